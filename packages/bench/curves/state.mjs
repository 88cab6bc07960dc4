// State curve: increments per second of one key of one shared map, with 1, 2, 4 and 8 library
// threads contending (t.map('m').increment, one at a time per thread), against the raw floor:
// the same number of raw workers, each asking the main thread over its own MessagePort to
// increment a plain Map. The main thread serves every request on both sides.
import { randomUUID } from 'node:crypto';
import { MessageChannel, Worker } from 'node:worker_threads';
import { cpuMeter } from '../lib/cpu-meter.mjs';
import { interleave, pairedRatio } from '../lib/drive.mjs';
import { result } from '../lib/result.mjs';
import { fmt, median, now } from '../lib/stats.mjs';
import { table } from '../lib/table.mjs';
import { fixture, quietApp, within } from '../lib/workers.mjs';

const COUNTS = [1, 2, 4, 8];
const ROUNDS = 3;
const ROUND_MS = 500;
const KEY = 'hits';
/** Time between the commands and the common start, so that every thread is waiting for it. */
const LEAD_MS = 50;

async function rawWorker(store) {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', ({ id, key, by }) => {
    const value = (store.get(key) ?? 0) + by;
    store.set(key, value);
    port1.postMessage({ id, value });
  });
  const worker = new Worker(fixture('raw-incr-client.mjs'), { workerData: { port: port2 }, transferList: [port2] });
  worker.on('error', () => undefined);
  await within(new Promise((resolve) => worker.once('message', resolve)), 10_000, 'raw incr worker start');
  const ask = (cfg) =>
    new Promise((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(cfg);
    });
  return {
    measure: (cfg) => within(ask(cfg), 30_000, 'raw incr worker answer'),
    async stop() {
      await worker.terminate();
      port1.close();
    },
  };
}

const otherText = (cores) => (cores === null ? '?' : cores.toFixed(2));

export async function stateCurve() {
  const app = quietApp('bench-curve-state');
  const names = Array.from({ length: Math.max(...COUNTS) }, (_, i) => `incr-${i}`);
  for (const name of names)
    app.thread(name, fixture('incr-thread.mjs'), { autoStart: false, restart: 'temporary', workerData: { map: 'm' } });
  await app.start({ service: `bench-curve-state-${randomUUID()}`, transport: 'memory' });
  const map = app.map('m');
  const points = [];
  let consistent = true;
  try {
    for (const count of COUNTS) {
      // A new set of threads / workers per round: placement on the cores is drawn per worker.
      const sides = {
        lib: async () => {
          const mine = names.slice(0, count);
          await Promise.all(mine.map((n) => app.startThread(n)));
          try {
            await map.set(KEY, 0);
            const cfg = { key: KEY, startAt: now() + LEAD_MS, ms: ROUND_MS };
            const counts = await Promise.all(mine.map((n) => app.thread(n).request('measure', cfg, { timeoutMs: 30_000 })));
            const total = counts.reduce((a, c) => a + c.count, 0);
            if ((await map.get(KEY)) !== total) consistent = false;
            return (total / ROUND_MS) * 1000;
          } finally {
            await Promise.all(mine.map((n) => app.stopThread(n)));
          }
        },
        raw: async () => {
          const store = new Map([[KEY, 0]]);
          const workers = await Promise.all(Array.from({ length: count }, () => rawWorker(store)));
          try {
            const cfg = { key: KEY, startAt: now() + LEAD_MS, ms: ROUND_MS };
            const counts = await Promise.all(workers.map((w) => w.measure(cfg)));
            return (counts.reduce((a, c) => a + c.count, 0) / ROUND_MS) * 1000;
          } finally {
            await Promise.all(workers.map((w) => w.stop()));
          }
        },
      };
      const meter = cpuMeter();
      const out = await interleave(sides, ROUNDS);
      points.push({
        count,
        lib: median(out.lib),
        raw: median(out.raw),
        ratio: pairedRatio(out.lib, out.raw),
        rounds: out,
        otherCores: meter.stop().otherCores,
      });
    }
  } finally {
    await app.stop();
  }
  const peakLib = Math.max(...points.map((p) => p.lib));
  const peakRaw = Math.max(...points.map((p) => p.raw));
  return result({
    library: peakLib,
    floor: peakRaw,
    unit: 'increments/s at the best point',
    ratioLabel: 'best point / best point',
    libraryLabel: "N library threads, each awaiting t.map('m').increment(k) in a loop",
    floorLabel: 'N raw workers, each awaiting a port request the main thread answers from a Map',
    goal: { none: true, text: 'a curve (reported only)' },
    curve: { kind: 'state', counts: COUNTS, points: points.map(({ rounds, ...p }) => p) },
    details: [
      ...table(
        ['threads', 'daebus incr/s', 'raw incr/s', 'daebus/raw', 'other load (cores)'],
        points.map((p) => [p.count, fmt(p.lib), fmt(p.raw), `${p.ratio.toFixed(2)}x`, otherText(p.otherCores)]),
      ),
      '',
      `per round (incr/s): ${points.map((p) => `${p.count}: lib ${p.rounds.lib.map((x) => fmt(x)).join(', ')}; raw ${p.rounds.raw.map((x) => fmt(x)).join(', ')}`).join(' | ')}`,
      `${ROUNDS} rounds of ${ROUND_MS} ms per point and side after a warm-up round, new threads / workers each round; ` +
        `the map's final value equals the increments counted: ${consistent ? 'yes, every round' : 'NO (see the code)'}`,
    ],
  });
}
