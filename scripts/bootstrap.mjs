#!/usr/bin/env node
// One entry for a fresh machine with only Node and npm: get the pinned pnpm, install the
// workspace, build it, then run the requested task (test, demo, bench) through pnpm.
//   node scripts/bootstrap.mjs [test|demo|bench|lint] [-- args for the task]
import { execFileSync, spawnSync } from 'node:child_process';
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
if (task !== undefined) run(['run', tasks[task], ...(rest[0] === '--' ? rest.slice(1) : rest)]);
