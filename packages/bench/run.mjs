#!/usr/bin/env node
// Runs the benchmark files and prints, for each benchmark, the library's figure, the raw floor
// measured in the same run, their ratio, the goal and whether it was met. Benchmarks are not
// tests: nothing here fails the process; a benchmark that throws or overruns is reported and
// the run goes on. Exit code 0.
//
//   node packages/bench/run.mjs [filter ...] [--json] [--list]
//
// A filter keeps benchmarks whose id ("threads/stop-latency") contains it.
import { cpus, loadavg } from 'node:os';
import { cpuMeter } from './lib/cpu-meter.mjs';
import { idlePollingText } from './lib/idle-polling.mjs';
import { goalText, metText, printResult } from './lib/result.mjs';
import { fmt } from './lib/stats.mjs';

// One module per area; each exports `suite` and `benchmarks: [{ name, title, run, timeoutMs? }]`.
const FILES = ['threads.mjs', 'actions.mjs', 'redis.mjs', 'pool.mjs', 'flood.mjs', 'replicas.mjs', 'http.mjs', 'curves.mjs'];
const DEFAULT_TIMEOUT_MS = 90_000;

const args = process.argv.slice(2);
const json = args.includes('--json');
const list = args.includes('--list');
const filters = args.filter((a) => !a.startsWith('--'));

const selected = [];
for (const file of FILES) {
  const mod = await import(new URL(`./${file}`, import.meta.url));
  for (const bench of mod.benchmarks) {
    const id = `${mod.suite}/${bench.name}`;
    if (filters.length === 0 || filters.some((f) => id.includes(f))) selected.push({ id, ...bench });
  }
}

if (list) {
  for (const b of selected) console.log(`${b.id}  ${b.title}`);
  process.exit(0);
}
if (selected.length === 0) {
  console.log(`No benchmark matches ${filters.join(', ')}; use --list to see them.`);
  process.exit(0);
}

const [load1] = loadavg();
console.log(`daebus benchmarks  ${new Date().toISOString()}`);
console.log(
  `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'}), load average ${load1.toFixed(2)}`,
);
const idlePolling = idlePollingText();
if (idlePolling) console.log(idlePolling);
// The load average lags by a minute; what other processes do right now matters more.
const idle = cpuMeter();
await new Promise((resolve) => setTimeout(resolve, 1000));
const { otherCores: before } = idle.stop();
if (before !== null) console.log(`other processes used ${before.toFixed(2)} cores in the last second`);
if ((before ?? load1) > 0.3) {
  console.log('WARNING: the machine is busy; figures will be noisy. Rerun when it is quiet (see "other load" per benchmark).');
}

const rows = [];
const began = performance.now();
for (const bench of selected) {
  const t0 = performance.now();
  const meter = cpuMeter();
  let timer;
  try {
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`did not finish within ${bench.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`)),
        bench.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      );
    });
    const res = await Promise.race([bench.run(), timeout]);
    const { otherCores } = meter.stop();
    printResult(bench.id, bench.title, res);
    const busy = otherCores === null ? '' : `, other processes used ${otherCores.toFixed(2)} cores meanwhile`;
    console.log(`    (${((performance.now() - t0) / 1000).toFixed(1)} s${busy})`);
    rows.push({ id: bench.id, ...res, otherCores });
  } catch (err) {
    console.log(`\n${bench.id}: ${bench.title}\n  ERROR: ${err?.stack ?? err}`);
    rows.push({ id: bench.id, error: String(err?.message ?? err) });
  } finally {
    clearTimeout(timer);
  }
}

console.log(`\nSummary (${((performance.now() - began) / 1000).toFixed(1)} s)\n`);
// Peer columns (another library measured in the same rounds) only when a selected row has one.
const peers = rows.some((r) => r.peer);
const peerHead = peers ? ' peer | lib/peer | peer goal | met |' : '';
console.log(`| benchmark | library | raw floor | ratio | goal | met |${peerHead} other load (cores) |`);
console.log(`|---|---|---|---|---|---|${peers ? '---|---|---|---|' : ''}---|`);
const peerCells = (p) =>
  !peers ? '' : p ? ` ${p.name} ${fmt(p.value)} | ${p.ratio.toFixed(2)}x | ${goalText(p.goal)} | ${metText(p.met)} |` : ' | | | |';
for (const r of rows) {
  if (r.error) {
    console.log(`| ${r.id} | error: ${r.error} | | | | |${peers ? ' | | | |' : ''} |`);
    continue;
  }
  console.log(
    `| ${r.id} | ${fmt(r.library)} ${r.unit} | ${fmt(r.floor)} ${r.unit} | ${r.ratio.toFixed(2)}x | ${goalText(r.goal)} | ${metText(r.met)} |${peerCells(r.peer)} ${r.otherCores === null ? '?' : r.otherCores.toFixed(2)} |`,
  );
}
if (json)
  console.log(
    `\n${JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, load1, idlePolling, otherCoresBefore: before, results: rows })}`,
  );
// Benchmarks are not tests: always exit 0 (and end any worker a failed benchmark left behind).
process.exit(0);
