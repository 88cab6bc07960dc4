// The main thread's CPU time per pooled call, against raw piscina.run and against an ordinary
// action that awaits raw piscina.run (the request path around a pool, without the library's
// pool), one call at a time and with 32 in flight; and the CPU of the process's other threads
// (the pool's workers, and V8's and libuv's helpers) per call. CPU time varies less than latency or
// throughput on a shared machine: this is how a change to the pool's main side is judged.
// Linux only (reads the main thread's run time from /proc). Not run by the benchmark runner.
//
//   node packages/bench/tools/pool-cpu.mjs [rounds] [calls]
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { Daebus, DaebusCaller, createLogger } from 'daebus';
import { cpuPerOp, threadCpuNs } from '../lib/cpu-meter.mjs';
import { closedLoop, sequential } from '../lib/drive.mjs';
import { fmt, median } from '../lib/stats.mjs';
import { fixture } from '../lib/workers.mjs';

const rounds = Number(process.argv[2] ?? 6);
const calls = Number(process.argv[3] ?? 5000);
const workers = availableParallelism();

const raw = new Piscina({ filename: fixture('raw-pool-noop.mjs').href, maxThreads: workers, idleTimeout: 30_000 });
const logger = createLogger({ level: 'error' });
logger.silent = true;
const app = new Daebus('bench-pool-cpu', { logger, maxWorkers: workers });
app.action('pooled', { module: fixture('pool-noop.mjs') });
app.action('via-raw', () => raw.run({}));
app.action('plain', () => ({ ok: true }));
const service = `bench-pool-cpu-${randomUUID()}`;
await app.start({ service, transport: 'memory' });
const caller = new DaebusCaller(service, { transport: 'memory', timeoutMs: 120_000 });

const sides = {
  'raw piscina.run': () => raw.run({}),
  'action awaiting raw piscina.run': () => caller.sendRequest('via-raw'),
  'pooled action': () => caller.sendRequest('pooled'),
  'ordinary action (no pool)': () => caller.sendRequest('plain'),
};
const modes = {
  'one at a time': (fn) => sequential(fn, calls),
  '32 in flight': (fn) => closedLoop(fn, calls, 32),
};

try {
  console.log(`Node ${process.versions.node}, ${workers} workers per pool, ${rounds} rounds of ${calls} calls, medians`);
  for (const [mode, drive] of Object.entries(modes)) {
    const out = Object.fromEntries(Object.keys(sides).map((name) => [name, { cpu: [], others: [], wall: [] }]));
    for (const fn of Object.values(sides)) await drive(fn); // warm every side first
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(sides)) {
        const cpu0 = threadCpuNs();
        const t0 = performance.now();
        await drive(fn);
        out[name].wall.push(((performance.now() - t0) * 1000) / calls);
        const { main, others } = cpuPerOp(cpu0, calls);
        out[name].cpu.push(main);
        out[name].others.push(others);
      }
    }
    console.log(`\n${mode}: µs per call, main thread's CPU, other threads' CPU and wall clock`);
    for (const [name, { cpu, others, wall }] of Object.entries(out)) {
      const row = `CPU ${fmt(median(cpu)).padStart(6)}   others ${fmt(median(others)).padStart(6)}   wall ${fmt(median(wall)).padStart(6)}`;
      console.log(`  ${name.padEnd(34)} ${row}`);
    }
  }
} finally {
  await caller.close();
  await app.stop();
  await raw.destroy();
}
