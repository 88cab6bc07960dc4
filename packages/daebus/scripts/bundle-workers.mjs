// Bundles each worker entry (a supervised thread's, the pool's) and the `daebus/thread` entry
// into one file each, replacing what tsc emitted for them, plus ES module twins of the thread
// entry and of `daebus/thread`. A worker then loads a few modules instead of a dozen, and a
// thread written as an ES module stays in the ES module loader from its entry to
// `daebus/thread` (BENCHMARKS.md has the start times). The ES module twins share one chunk of
// what both hold; the CommonJS copies are separate and share state only through registered
// symbols (thread brand, current context, DaebusError's instanceof), which is what they are for.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
  outdir: join(root, 'dist/thread'),
};
const entry = (name) => join(root, 'src/thread', `${name}.ts`);

const cjs = await build({ ...common, format: 'cjs', entryPoints: [entry('worker-entry'), entry('pool-worker'), entry('index')] });
// one build with splitting: what both hold is one shared chunk, so a thread's worker compiles it
// once and its `import 'daebus/thread'` finds it loaded already
const esm = await build({
  ...common,
  format: 'esm',
  splitting: true,
  chunkNames: 'shared-[hash]',
  outExtension: { '.js': '.mjs' },
  entryPoints: [entry('worker-entry'), entry('index')],
});
// `import 'daebus/thread'` loads index.mjs: its types must be ES module types too (a .d.mts), or
// TypeScript takes it for CommonJS and lets through a default import that fails at run time.
// They re-export tsc's declarations, which index.mjs matches export for export.
writeFileSync(join(root, 'dist/thread/index.d.mts'), "export * from './index.js';\n");
// tsc's one-file-per-module JavaScript of the thread side is in the bundles now: nothing loads it
// (the main side imports only its types), so it is not shipped; its declarations stay
const bundled = new Set([cjs, esm].flatMap((result) => Object.keys(result.metafile.outputs).map((path) => path.split('/').pop())));
for (const file of readdirSync(join(root, 'dist/thread'))) {
  if (/\.(m?js)(\.map)?$/.test(file) && !bundled.has(file)) rmSync(join(root, 'dist/thread', file));
}
