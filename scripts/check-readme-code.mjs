#!/usr/bin/env node
// Type-checks every TypeScript and JavaScript block of the READMEs as a newcomer would paste
// it: each block is one ES module of a fresh project that depends on the built `daebus`, named
// by the path in its first line's comment (`// threads/worker.ts: ...`) or numbered otherwise.
// A block that does not compile as written fails the test run.
//   node scripts/check-readme-code.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const READMES = ['README.md', 'packages/daebus/README.md', 'packages/examples/README.md'];
const out = join(root, '.readme-check');
rmSync(out, { recursive: true, force: true });

const files = [];
for (const readme of READMES) {
  const text = readFileSync(join(root, readme), 'utf8');
  const dir = join(out, readme.replace(/[/.]/g, '_'));
  let n = 0;
  for (const match of text.matchAll(/^```(ts|js)\n([\s\S]*?)^```$/gm)) {
    const [, lang, code] = match;
    const line = text.slice(0, match.index).split('\n').length;
    const named = /^\/\/ ([\w./-]+\.(?:ts|mts|js|mjs))\b/.exec(code)?.[1];
    const name = named ?? `block-${++n}.${lang === 'ts' ? 'mts' : 'mjs'}`;
    const file = join(dir, name);
    if (files.some((f) => f.file === file)) throw new Error(`${readme}:${line}: a second block is named ${name}; give it another name`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code);
    files.push({ file, where: `${readme}:${line}` });
  }
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', dependencies: { daebus: '*' } }));
  symlinkSync(join(root, 'packages', 'daebus'), join(dir, 'node_modules', 'daebus'), 'dir');
}
// TypeScript blocks under the checks `tsc --init` (5.9) turns on in a new project's tsconfig, so a
// pasted block compiles there; JavaScript blocks checked as JavaScript
const INIT_CHECKS = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  noUncheckedSideEffectImports: true,
  moduleDetection: 'force',
};
const config = (checks, include) => ({
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    ...checks,
    noEmit: true,
    allowJs: true,
    checkJs: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
  },
  include,
  exclude: ['**/node_modules'],
});
writeFileSync(join(out, 'tsconfig.ts.json'), JSON.stringify(config(INIT_CHECKS, ['**/*.ts', '**/*.mts'])));
writeFileSync(join(out, 'tsconfig.js.json'), JSON.stringify(config({ strict: false }, ['**/*.js', '**/*.mjs'])));
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
const runs = ['ts', 'js'].map((kind) => spawnSync(process.execPath, [tsc, '-p', join(out, `tsconfig.${kind}.json`)], { encoding: 'utf8' }));
const report = runs
  .map((r) => r.stdout + r.stderr)
  .join('')
  .replace(new RegExp(`${out}/`, 'g'), '');
const result = { status: runs.every((r) => r.status === 0) ? 0 : 1 };
for (const { file, where } of files) console.log(`readme code: ${where} -> ${relative(out, file)}`);
if (result.status !== 0) {
  console.error(`\nREADME code blocks that do not compile:\n${report}`);
  process.exit(1);
}
console.log(`readme code: ${files.length} blocks compile`);
rmSync(out, { recursive: true, force: true });
