// This checkout's benchmarks run against the library as built at other commits, rounds of the
// builds alternated: how a figure moved between releases, measured by the same bench on the same
// machine in the same minutes (each commit's own bench may measure a row differently). Each
// commit gets a git worktree in the temp folder (installed and built once, kept for later
// runs); the bench is copied beside it with `daebus` linked to that build and its other
// dependencies to this checkout's. Not run by the benchmark runner.
//
//   node packages/bench/tools/against-build.mjs <commit>[,<commit>...] [rounds=2] [row filter ...]
//
// `this` names this checkout's own build. Prints each run's summary table, then every row's
// figures and ratios side by side. Remove the worktrees with `git worktree remove` when done.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(dirname(bench));
const [commitList, roundsArg, ...filters] = process.argv.slice(2);
if (!commitList) {
  console.log('usage: node packages/bench/tools/against-build.mjs <commit>[,<commit>...] [rounds=2] [row filter ...]');
  process.exit(1);
}
const rounds = Number(roundsArg ?? 2);
const pnpm = ['--yes', 'pnpm@12.4.2'];
const git = (...args) => execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();

/** The folder to run the bench from for one build, and the bench's path inside it. */
function prepare(commit) {
  if (commit === 'this') return { cwd: root, runner: join(bench, 'run.mjs') };
  const sha = git('rev-parse', '--short', commit);
  const tree = join(tmpdir(), `daebus-build-${sha}`);
  if (!existsSync(join(tree, 'packages/daebus/dist'))) {
    console.log(`building ${sha} in ${tree} (install and build, about a minute)`);
    if (!existsSync(tree)) git('worktree', 'add', '--detach', tree, sha);
    const steps = [
      ['install', '--frozen-lockfile'],
      ['-r', 'run', 'build'],
    ];
    for (const step of steps) execFileSync('npx', [...pnpm, ...step], { cwd: tree, stdio: 'ignore' });
  }
  // this checkout's bench, its dependencies but daebus resolved from here
  const copy = join(tree, 'packages/bench-here');
  rmSync(copy, { recursive: true, force: true });
  cpSync(bench, copy, { recursive: true, filter: (src) => !src.includes('node_modules') });
  mkdirSync(join(copy, 'node_modules'));
  for (const dep of readdirSync(join(bench, 'node_modules'))) {
    if (dep.startsWith('.') || dep === 'daebus') continue;
    symlinkSync(realpathSync(join(bench, 'node_modules', dep)), join(copy, 'node_modules', dep));
  }
  symlinkSync(join(tree, 'packages/daebus'), join(copy, 'node_modules/daebus'));
  return { cwd: tree, runner: join(copy, 'run.mjs') };
}

const builds = commitList.split(',').map((commit) => ({ commit, ...prepare(commit) }));
const table = new Map(); // row -> build -> ["figure / floor = ratio"]
for (let r = 1; r <= rounds; r++) {
  for (const build of builds) {
    console.log(`\n=== ${build.commit}, round ${r} (${new Date().toISOString()})`);
    const run = spawnSync(process.execPath, [build.runner, ...filters], { cwd: build.cwd, encoding: 'utf8' });
    const summary = run.stdout.slice(run.stdout.indexOf('Summary'));
    console.log(summary.trim());
    for (const line of summary.split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      if (cells.length < 6 || !cells[1].includes('/')) continue;
      const peer = cells[8] ? `, ${cells[8]} peer` : '';
      const row = table.get(cells[1]) ?? new Map();
      table.set(cells[1], row);
      row.set(build.commit, [...(row.get(build.commit) ?? []), `${cells[2]} (${cells[4]}${peer})`]);
    }
  }
}
console.log("\nper round: the library's figure (its ratio to the floor; to the peer where the row has one)");
for (const [row, byBuild] of table) {
  console.log(row);
  for (const [commit, ratios] of byBuild) console.log(`  ${commit.padEnd(12)} ${ratios.join('  ')}`);
}
