#!/usr/bin/env node
// One entry for a fresh machine with only Node and npm: get the pinned pnpm, install the
// workspace, build it, then run the requested task (test, demo, bench) through pnpm.
//   node scripts/bootstrap.mjs [test|demo|bench|lint] [-- args for the task]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager; // "pnpm@x.y.z"
const version = pinned.split('@')[1];
const [task, ...rest] = process.argv.slice(2);
const tasks = { test: 'test:only', demo: 'demo:only', bench: 'bench:only', lint: 'lint' };
if (task !== undefined && !(task in tasks)) {
  console.error(`bootstrap: unknown task "${task}"; use one of ${Object.keys(tasks).join(', ')}`);
  process.exit(2);
}

// A pnpm of the pinned version on PATH is used as is; otherwise npx fetches that version.
function pnpmCommand() {
  try {
    const found = execFileSync('pnpm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (found === version) return ['pnpm'];
  } catch {
    // not installed
  }
  return ['npx', '--yes', `pnpm@${version}`];
}

const pnpm = pnpmCommand();
function run(args) {
  const [cmd, ...pre] = pnpm;
  const result = spawnSync(cmd, [...pre, ...args], { cwd: root, stdio: 'inherit', env: { ...process.env, COREPACK_ENABLE_STRICT: '0' } });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(['install', ...(process.env.CI ? ['--frozen-lockfile'] : [])]);
run(['run', 'build']);
const args = rest[0] === '--' ? rest.slice(1) : rest;
if (task === 'demo') {
  // the demo itself, not through pnpm, which reports a Ctrl-C as a failed command (exit 130,
  // "ELIFECYCLE Command failed") after the demo stopped cleanly. Ctrl-C reaches the demo from the
  // terminal (one process group); a SIGTERM sent to this process is passed on. This process waits
  // for the demo to stop and exits as it did.
  const demo = spawn(process.execPath, [join(root, 'packages/examples/dist/demo.js'), ...args], { cwd: root, stdio: 'inherit' });
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => demo.kill('SIGTERM'));
  demo.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else if (task !== undefined) run(['run', tasks[task], ...args]);
