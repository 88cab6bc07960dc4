// Pool curve: calls/s of a CPU-bound pooled action (fib, about 10 ms a call) with maxWorkers 1, 2
// and 4 (4 is past this machine's 2 cores, to show the bend), against raw piscina with the same
// maxThreads running the same function. Calls come through a memory caller, 8 in flight.
import { randomUUID } from 'node:crypto';
import { Piscina } from 'piscina';
import { DaebusCaller } from 'daebus';
import { fib } from '../fixtures/fib.mjs';
import { cpuMeter } from '../lib/cpu-meter.mjs';
import { interleave, pairedRatio, timedLoop } from '../lib/drive.mjs';
import { result } from '../lib/result.mjs';
import { fmt, median } from '../lib/stats.mjs';
import { table } from '../lib/table.mjs';
import { fixture, quietApp } from '../lib/workers.mjs';

const WORKERS = [1, 2, 4];
const IN_FLIGHT = 8;
const ROUNDS = 3;
const ROUND_MS = 1000;

/** The n for which fib(n) takes about `targetMs` here (as pool.mjs calibrates). */
function calibrateFib(targetMs) {
  const base = 25;
  const times = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    fib(base);
    times.push(performance.now() - t0);
  }
  const ms = median(times.slice(3));
  return base + Math.max(0, Math.round(Math.log(targetMs / ms) / Math.log((1 + Math.sqrt(5)) / 2)));
}

async function sidesFor(maxWorkers) {
  const app = quietApp('bench-curve-pool', { maxWorkers });
  app.action('fib', { module: fixture('pool-fib.mjs') });
  const service = `bench-curve-pool-${randomUUID()}`;
  await app.start({ service, transport: 'memory' });
  const caller = new DaebusCaller(service, { transport: 'memory', timeoutMs: 60_000 });
  const pool = new Piscina({ filename: fixture('raw-pool-fib.mjs').href, maxThreads: maxWorkers, minThreads: maxWorkers });
  pool.on('error', () => undefined);
  return {
    lib: (payload) => caller.sendRequest('fib', payload),
    raw: (payload) => pool.run(payload),
    async close() {
      await caller.close();
      await app.stop();
      await pool.destroy();
    },
  };
}

export async function poolCurve() {
  const n = calibrateFib(10);
  const payload = { n };
  const points = [];
  for (const maxWorkers of WORKERS) {
    const sides = await sidesFor(maxWorkers);
    try {
      const loop = (call) => async () => (await timedLoop(() => call(payload), IN_FLIGHT, ROUND_MS)).perSecond;
      const meter = cpuMeter();
      const out = await interleave({ lib: loop(sides.lib), raw: loop(sides.raw) }, ROUNDS);
      points.push({
        maxWorkers,
        lib: median(out.lib),
        raw: median(out.raw),
        ratio: pairedRatio(out.lib, out.raw),
        rounds: out,
        otherCores: meter.stop().otherCores,
      });
    } finally {
      await sides.close();
    }
  }
  const at = (w) => points.find((p) => p.maxWorkers === w);
  return result({
    library: at(2).lib,
    floor: at(2).raw,
    unit: 'calls/s with 2 workers',
    ratio: at(2).ratio,
    ratioLabel: 'median of per-round lib/raw at maxWorkers 2',
    libraryLabel: `pooled fib(${n}) action, maxWorkers 2, ${IN_FLIGHT} in flight through a memory caller`,
    floorLabel: `raw piscina.run fib(${n}), maxThreads 2, ${IN_FLIGHT} in flight`,
    goal: { none: true, text: 'a curve (reported only)' },
    curve: { kind: 'pool', workers: WORKERS, n, points: points.map(({ rounds, ...p }) => p) },
    details: [
      ...table(
        ['workers', 'daebus calls/s', 'raw piscina calls/s', 'daebus/raw', 'daebus vs 1 worker', 'raw vs 1 worker', 'other load (cores)'],
        points.map((p) => [
          p.maxWorkers,
          fmt(p.lib),
          fmt(p.raw),
          `${p.ratio.toFixed(2)}x`,
          `${(p.lib / points[0].lib).toFixed(2)}x`,
          `${(p.raw / points[0].raw).toFixed(2)}x`,
          p.otherCores === null ? '?' : p.otherCores.toFixed(2),
        ]),
      ),
      '',
      `per round (calls/s): ${points.map((p) => `${p.maxWorkers}: lib ${p.rounds.lib.map((x) => fmt(x)).join(', ')}; raw ${p.rounds.raw.map((x) => fmt(x)).join(', ')}`).join(' | ')}`,
      `fib(${n}) calibrated to about 10 ms on the main thread; ${ROUNDS} rounds of ${ROUND_MS} ms per point and side after a warm-up round`,
    ],
  });
}
