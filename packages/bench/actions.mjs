// Shared state and action benchmarks (issue 3): shared-map gets and queue hand-offs between a
// library thread and the main side against a raw MessagePort round trip between the main thread
// and a raw worker, and an action round trip on the memory transport against a direct call of
// its handler. Each benchmark returns a result() (lib/result.mjs); run.mjs prints it.
import { randomUUID } from 'node:crypto';
import { MessageChannel, Worker } from 'node:worker_threads';
import { DaebusCaller } from 'daebus';
import { closedLoop, interleave, modeFigures, pairedRatio, sequential } from './lib/drive.mjs';
import { allocationPerCall } from './lib/allocation.mjs';
import { cpuPerOp, threadCpuNs } from './lib/cpu-meter.mjs';
import { bareRoundTrip } from './lib/bare-round-trip.mjs';
import { result } from './lib/result.mjs';
import { fmt, median, now, percentile, sleep, summary } from './lib/stats.mjs';
import { fixture, quietApp, rawEcho, rawPortWorker, within } from './lib/workers.mjs';

export const suite = 'actions';

/** The value stored under the key every get reads: a small status object. */
const VALUE = { status: 'running', processed: 12345, updatedAt: '2026-11-29T20:00:00.000Z' };
const KEY = 'status';

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Send one command to a raw worker on its parentPort and wait for its one answer. */
function ask(worker, message, timeoutMs = 30_000) {
  return within(
    new Promise((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(message);
    }),
    timeoutMs,
    'raw worker answer',
  );
}

/**
 * The two sides of the map-get benchmarks: a library thread reading `app.map(name)` and a raw
 * worker reading a plain Map that the main thread serves on a MessagePort. `lib(cfg, warm)` and
 * `raw(cfg, warm)` run the same loop (fixtures/get-bench.mjs) inside each, `warm` first if given.
 * With `fresh`, each call runs in a new thread / worker, started for it and stopped after: a
 * worker keeps the placement the scheduler gave it relative to the main thread (same core: fast
 * round trips; two cores: about 3x slower, see the modes in the results), so a worker per round
 * draws that placement anew for both sides instead of once per run.
 */
async function mapGetSides({ fresh }) {
  const name = 'm'; // short, as a user's map name would be: it travels in every get
  const app = quietApp('bench-map');
  app.thread('reader', fixture('state-thread.mjs'), { autoStart: !fresh, restart: 'temporary', workerData: { map: name } });
  await app.map(name).set(KEY, VALUE);
  await app.start({ service: `bench-map-${randomUUID()}`, transport: 'memory' });

  const store = new Map([[KEY, VALUE]]);
  const startRaw = async () => {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message) => port1.postMessage({ id: message.id, value: store.get(message.key) }));
    const worker = await rawPortWorker('raw-state-client.mjs', port2);
    return {
      worker,
      async stop() {
        await worker.terminate();
        port1.close();
      },
    };
  };
  const kept = fresh ? undefined : await startRaw();
  if (!fresh && app.threads.reader.state !== 'running') throw new Error(`the reader thread is ${app.threads.reader.state}`);
  const request = (cfg) => app.thread('reader').request('measure', cfg, { timeoutMs: 30_000 });
  return {
    async lib(cfg, warm) {
      if (fresh) await app.startThread('reader');
      try {
        if (warm) await request(warm);
        return await request(cfg);
      } finally {
        if (fresh) await app.stopThread('reader');
      }
    },
    async raw(cfg, warm) {
      const side = kept ?? (await startRaw());
      try {
        if (warm) await ask(side.worker, warm);
        return await ask(side.worker, cfg);
      } finally {
        if (!kept) await side.stop();
      }
    },
    async close() {
      await kept?.stop();
      await app.stop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// 1. Map get from a thread: sequential round-trip latency.

async function mapGetLatency() {
  const rounds = 24;
  const cfg = { kind: 'sequential', key: KEY, n: 300 };
  const warm = { kind: 'sequential', key: KEY, n: 200 };
  const sides = await mapGetSides({ fresh: true });
  let out;
  try {
    out = await interleave({ lib: () => sides.lib(cfg, warm), raw: () => sides.raw(cfg, warm) }, rounds);
  } finally {
    await sides.close();
  }
  const pick = (xs, field) => xs.map((x) => x[field]);
  const lib = pick(out.lib, 'medianUs');
  const raw = pick(out.raw, 'medianUs');
  const modes = modeFigures(lib, raw, 'µs', fmt);
  return result({
    library: modes.library,
    floor: modes.floor,
    ratio: modes.ratio,
    unit: 'µs per get',
    ratioLabel: `means over ${rounds} rounds (a new thread / worker each) of each round's median`,
    libraryLabel: `await t.map(m).get(k) in a library thread, ${cfg.n} in a row after ${warm.n} to warm up, timed in the thread`,
    floorLabel: 'raw worker: postMessage({id, op, key}) on a MessagePort, main answers {id, value}, same loop',
    goal: { on: 'ratio', op: '<=', value: 1.5, text: '<= 1.50x of the raw round trip' },
    details: [
      `per-round medians (µs): lib ${lib.map((x) => fmt(x)).join(', ')}; raw ${raw.map((x) => fmt(x)).join(', ')}`,
      modes.line,
      `all rounds: median lib ${fmt(median(lib))} µs, raw ${fmt(median(raw))} µs; best round lib ${fmt(Math.min(...lib))} µs, ` +
        `raw ${fmt(Math.min(...raw))} µs = ${(Math.min(...lib) / Math.min(...raw)).toFixed(2)}x`,
      `means over rounds (µs): lib ${fmt(median(pick(out.lib, 'meanUs')))}, raw ${fmt(median(pick(out.raw, 'meanUs')))}; ` +
        `p95: lib ${fmt(median(pick(out.lib, 'p95Us')))}, raw ${fmt(median(pick(out.raw, 'p95Us')))}`,
      `value: ${JSON.stringify(VALUE).length} bytes of JSON, the same object in both; ${rounds} rounds, order rotated`,
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// 2. Map get from a thread: pipelined throughput (1000 in flight).

async function mapGetThroughput() {
  const rounds = 7;
  const cfg = { kind: 'pipelined', key: KEY, batch: 1000, batches: 10 };
  const sides = await mapGetSides({ fresh: false });
  let out;
  try {
    out = await interleave({ lib: () => sides.lib(cfg), raw: () => sides.raw(cfg) }, rounds);
  } finally {
    await sides.close();
  }
  const lib = out.lib.map((x) => x.perSecond);
  const raw = out.raw.map((x) => x.perSecond);
  return result({
    library: median(lib),
    floor: median(raw),
    unit: 'gets/s',
    ratio: pairedRatio(lib, raw),
    ratioLabel: 'median of per-round lib/raw',
    libraryLabel: `Promise.all of ${cfg.batch} t.map(m).get(k), ${cfg.batches} times, in a library thread`,
    floorLabel: `raw worker, ${cfg.batch} port requests in flight, ${cfg.batches} times`,
    goal: { on: 'ratio', op: '>=', value: 0.5, text: '>= 0.50x of the raw throughput' },
    details: [`per round (gets/s): lib ${lib.map((x) => fmt(x)).join(', ')}; raw ${raw.map((x) => fmt(x)).join(', ')}`],
  });
}

// ---------------------------------------------------------------------------------------------
// 3. Queue hand-off: main puts, a waiting thread gets and puts it on a second queue, main gets it.

async function queueHandoff() {
  const rounds = 8;
  // Each round is the first 1,000 hand-offs of a fresh thread (and of a fresh raw worker): the
  // goal counts the cold ones, run before V8 has optimized the thread-side code, as a restarted
  // thread runs them. The warm figure (hand-offs 300 on) is reported beside it.
  const n = 1000;
  const warm = 300;
  const names = { in: `bench-q-in-${randomUUID()}`, out: `bench-q-out-${randomUUID()}` };
  const app = quietApp('bench-queue');
  app.thread('echo', fixture('queue-thread.mjs'), { autoStart: false, restart: 'temporary', workerData: names });
  await app.start({ service: `bench-queue-${randomUUID()}`, transport: 'memory' });
  const input = app.queue(names.in);
  const output = app.queue(names.out);

  // Each round runs in a new thread / raw worker (see mapGetSides: placement is drawn per worker).
  const sides = {
    async lib() {
      await app.startThread('echo');
      return {
        send: async (item) => {
          await input.put(item);
          return output.get(5_000);
        },
        stop: () => app.stopThread('echo'),
      };
    },
    raw: () => rawEcho(),
  };
  // One round: n hand-offs of a fresh thread; `paced` waits 1 ms before each so the thread is idle
  // in its get (as a worker waiting for jobs is), otherwise back to back.
  const round = (side, paced) => async () => {
    const { send, stop } = await sides[side]();
    const rt = [];
    const oneWay = [];
    let cpu;
    try {
      const cpu0 = threadCpuNs();
      for (let i = 0; i < n; i++) {
        if (paced) await sleep(1);
        const t0 = now();
        const echo = await send({ i, t0 });
        const t1 = now();
        if (echo?.i !== i) throw new Error(`${side}: expected item ${i} back, got ${JSON.stringify(echo)}`);
        rt.push((t1 - t0) * 1000);
        oneWay.push((echo.got - t0) * 1000);
      }
      cpu = cpuPerOp(cpu0, n);
    } finally {
      await stop();
    }
    const warmRt = rt.slice(warm);
    return {
      rt: mean(rt),
      first100: mean(rt.slice(0, 100)),
      warm: median(warmRt),
      oneWay: median(oneWay.slice(warm)),
      p95: percentile(warmRt, 95),
      cpuMain: cpu.main,
      cpuOthers: cpu.others,
    };
  };
  let paced;
  let burst;
  try {
    paced = await interleave({ lib: round('lib', true), raw: round('raw', true) }, rounds);
    burst = await interleave({ lib: round('lib', false), raw: round('raw', false) }, 4);
  } finally {
    await app.stop();
  }
  const f = (xs, field) => xs.map((x) => x[field]);
  const lib = f(paced.lib, 'rt');
  const raw = f(paced.raw, 'rt');
  const ratio = (field, of = paced) => (mean(f(of.lib, field)) / mean(f(of.raw, field))).toFixed(2);
  return result({
    library: mean(lib),
    floor: mean(raw),
    unit: 'µs',
    ratioLabel: `means over ${rounds} rounds of each round's mean over its ${n} hand-offs, cold ones included`,
    libraryLabel: `app.queue(in).put(item) -> thread's t.queue(in).get() -> t.queue(out).put(item) -> app.queue(out).get(), 1 ms apart, first ${n} of a fresh thread`,
    floorLabel: `raw port round trip main -> raw worker -> main, same item, 1 ms apart, first ${n} of a fresh worker`,
    goal: { on: 'ratio', op: '<=', value: 1.5, text: '<= 1.5x a raw port round trip, cold hand-offs included' },
    details: [
      `first 100 hand-offs of a fresh thread: lib ${fmt(mean(f(paced.lib, 'first100')))} µs, raw ${fmt(mean(f(paced.raw, 'first100')))} µs = ${ratio('first100')}x`,
      `warm (hand-offs ${warm} on, median): lib ${fmt(mean(f(paced.lib, 'warm')))} µs, raw ${fmt(mean(f(paced.raw, 'warm')))} µs = ${ratio('warm')}x`,
      `put -> the thread has the item (shared clock, about 0.1 ms accurate, warm): lib ${fmt(median(f(paced.lib, 'oneWay')))} µs, ` +
        `raw one way ${fmt(median(f(paced.raw, 'oneWay')))} µs`,
      `p95 of the warm round trip: lib ${fmt(median(f(paced.lib, 'p95')))} µs, raw ${fmt(median(f(paced.raw, 'p95')))} µs`,
      `back to back (no pause, the thread may not be waiting yet; mean of ${burst.lib.length} rounds, all ${n}): ` +
        `lib ${fmt(mean(f(burst.lib, 'rt')))} µs, raw ${fmt(mean(f(burst.raw, 'rt')))} µs = ${ratio('rt', burst)}x`,
      `per-round means (µs): lib ${lib.map((x) => fmt(x)).join(', ')}; raw ${raw.map((x) => fmt(x)).join(', ')}`,
      cpuText(paced),
    ],
  });
}

/**
 * CPU per paced hand-off, median over rounds: the main thread's (the bench's loop and timer
 * included, the same for both sides) and the other threads' (the thread or raw worker, and V8's
 * helpers, which compile the fresh worker's code). Steadier than the round trip on a shared machine.
 */
function cpuText(paced) {
  if (paced.lib[0].cpuMain === null) return 'CPU per hand-off: not measured (needs /proc)';
  const side = (xs) => `main ${fmt(median(xs.map((x) => x.cpuMain)))} + others ${fmt(median(xs.map((x) => x.cpuOthers)))} µs`;
  return `CPU per paced hand-off (median of rounds): lib ${side(paced.lib)}; raw ${side(paced.raw)}`;
}

// ---------------------------------------------------------------------------------------------
// 4. Action round trip on the memory transport against calling the handler directly.

async function memoryAction() {
  const rounds = 7;
  const n = 5000;
  const service = `bench-action-${randomUUID()}`;
  const handler = (payload) => ({ ok: true, echo: payload.n });
  const app = quietApp('bench-action');
  app.action('echo', handler);
  await app.start({ service, transport: 'memory' });
  const caller = new DaebusCaller(service, { transport: 'memory', timeoutMs: 10_000 });
  const bare = bareRoundTrip(handler);
  const payload = { n: 1 };
  const variants = {
    lib: async () => {
      const d = await sequential(() => caller.sendRequest('echo', payload), n);
      return (d.reduce((a, b) => a + b, 0) / n) * 1000;
    },
    direct: async () => {
      const d = await sequential(() => handler(payload), n);
      return (d.reduce((a, b) => a + b, 0) / n) * 1000;
    },
    bare: async () => {
      const d = await sequential(() => bare(payload), n);
      return (d.reduce((a, b) => a + b, 0) / n) * 1000;
    },
  };
  let out;
  let concurrent;
  let allocated;
  try {
    out = await interleave(variants, rounds);
    concurrent = await interleave({ lib: () => closedLoop(() => caller.sendRequest('echo', payload), 20_000, 256) }, 3);
    // after the timed rounds: the profiler slows what it samples
    allocated = {
      lib: (await allocationPerCall(() => caller.sendRequest('echo', payload), { calls: 20_000, top: 0 })).perCall,
      bare: (await allocationPerCall(() => bare(payload), { calls: 20_000, top: 0 })).perCall,
    };
  } finally {
    await caller.close();
    await app.stop();
  }
  const overhead = out.lib.map((x, r) => x - out.direct[r]);
  return result({
    library: median(out.lib),
    floor: median(out.direct),
    unit: 'µs per call',
    ratio: pairedRatio(out.lib, out.direct),
    ratioLabel: 'median of per-round lib/direct',
    libraryLabel: `await caller.sendRequest('echo', {n}) on the memory transport, ${n} in a row (mean per round)`,
    floorLabel: 'await handler(payload) called directly, same loop',
    goal: { on: 'library', op: '<=', value: 5, text: '<= 5 µs per round trip' },
    details: [
      `overhead per call: ${fmt(median(overhead))} µs (per round: ${overhead.map((x) => fmt(x)).join(', ')})`,
      `throughput with 256 in flight: ${fmt(median(concurrent.lib))} calls/s`,
      `the same round trip without the library (lib/bare-round-trip.mjs: request id, timeout, payload and reply as JSON, ` +
        `AsyncLocalStorage, a microtask each way): ${fmt(median(out.bare))} µs; lib/bare ${pairedRatio(out.lib, out.bare).toFixed(2)}x`,
      `allocated per round trip (V8's sampling heap profiler, collected objects included; tools/alloc.mjs says where): ` +
        `lib ${fmt(allocated.lib)} bytes, bare ${fmt(allocated.bare)} bytes`,
      `the round trip: request (a counter id; on the memory transport the envelope travels as fields, the payload as JSON), ` +
        `publish (microtask), decode and validate, AsyncLocalStorage context, handler, reply, publish, decode, settle`,
      `summary lib: ${summary(out.lib, 'µs')}`,
    ],
  });
}

/** The same action on two apps, metrics on and off, on the same memory transport: what the metrics cost per request. */
async function metricsCost() {
  const rounds = 9;
  const n = 5000;
  const handler = (payload) => ({ ok: true, echo: payload.n });
  const make = async (metrics) => {
    const service = `bench-metrics-${metrics ? 'on' : 'off'}-${randomUUID()}`;
    const app = quietApp('bench-metrics', { metrics });
    app.action('echo', handler);
    await app.start({ service, transport: 'memory' });
    return { app, caller: new DaebusCaller(service, { transport: 'memory', timeoutMs: 10_000 }) };
  };
  const on = await make(true);
  const off = await make(false);
  const payload = { n: 1 };
  const meanOf = async (caller) => {
    const d = await sequential(() => caller.sendRequest('echo', payload), n);
    return (d.reduce((a, b) => a + b, 0) / n) * 1000;
  };
  let out;
  let flood;
  let scrape;
  try {
    out = await interleave({ on: () => meanOf(on.caller), off: () => meanOf(off.caller) }, rounds);
    flood = await interleave(
      {
        on: () => closedLoop(() => on.caller.sendRequest('echo', payload), 20_000, 256),
        off: () => closedLoop(() => off.caller.sendRequest('echo', payload), 20_000, 256),
      },
      3,
    );
    const t0 = now();
    const text = await on.app.metrics();
    scrape = { ms: now() - t0, bytes: text.length };
  } finally {
    for (const side of [on, off]) {
      await side.caller.close();
      await side.app.stop();
    }
  }
  return result({
    library: median(out.on),
    floor: median(out.off),
    unit: 'µs per call',
    ratio: pairedRatio(out.on, out.off),
    ratioLabel: 'median of per-round on/off',
    libraryLabel: `memory-transport action round trip with metrics on (count + duration histogram per request), ${n} in a row`,
    floorLabel: 'the same action on an app with metrics: false, same loop, rounds interleaved',
    goal: { on: 'ratio', op: '<=', value: 1.1 },
    details: [
      `cost per request: ${fmt(median(out.on) - median(out.off))} µs; per round on/off: ${out.on.map((x, r) => `${fmt(x)}/${fmt(out.off[r])}`).join(', ')} µs`,
      `256 in flight: on ${fmt(median(flood.on))} calls/s, off ${fmt(median(flood.off))} calls/s (${fmt(median(flood.on) / median(flood.off))}x)`,
      `one scrape of app.metrics() (first, with Node's default metrics): ${fmt(scrape.ms)} ms, ${fmt(scrape.bytes)} bytes`,
    ],
  });
}

export const benchmarks = [
  { name: 'map-get-latency', title: 'map get from a thread: sequential round trip vs a raw MessagePort round trip', run: mapGetLatency },
  { name: 'map-get-throughput', title: 'map get from a thread: 1000 in flight vs raw MessagePort requests', run: mapGetThroughput },
  { name: 'queue-handoff', title: 'queue hand-off main -> waiting thread -> main vs a raw port round trip', run: queueHandoff },
  { name: 'memory-action', title: 'action round trip on the memory transport vs calling the handler directly', run: memoryAction },
  { name: 'metrics-cost', title: 'action round trip with metrics on vs off (memory transport)', run: metricsCost },
];
