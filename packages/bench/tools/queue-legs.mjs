// Where a queue hand-off's time goes, leg by leg, against the raw port round trip
// (actions/queue-handoff's two sides). Every postMessage and 'message' listener of both
// threads is stamped on one clock (port-stamps.mjs, preloaded into the workers); a leg is the
// median over a round's warm hand-offs (300 on) of the time between two stamps, and rounds of
// the two sides alternate. The stamps add a little to every leg.
//
//   node packages/bench/tools/queue-legs.mjs [rounds=2] [hand-offs=3000]
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixture, quietApp, rawEcho } from '../lib/workers.mjs';
import { median } from '../lib/stats.mjs';
import { POST, RECEIVE, STAMP_BYTES, clock, eventOf, install, logOf } from './port-stamps.mjs';

const rounds = Number(process.argv[2] ?? 2);
const n = Number(process.argv[3] ?? 3000);
const WARM = 300;
const stamps = new SharedArrayBuffer(STAMP_BYTES);
const mainLog = logOf(stamps, 0);
const workerLog = logOf(stamps, 1);
install(mainLog);
const preload = ['--import', new URL('./port-stamps.mjs', import.meta.url).href];

/** The library's hand-off: main put -> waiting thread -> put back -> main get (the benchmark's fixture). */
async function librarySide() {
  const names = { in: `legs-in-${randomUUID()}`, out: `legs-out-${randomUUID()}`, stamps };
  const app = quietApp('queue-legs');
  app.thread('echo', fixture('queue-thread.mjs'), { autoStart: false, restart: 'temporary', workerData: names, execArgv: preload });
  await app.start({ service: `queue-legs-${randomUUID()}`, transport: 'memory' });
  await app.startThread('echo');
  const input = app.queue(names.in);
  const output = app.queue(names.out);
  const marks = {};
  return {
    marks,
    send: async (item) => {
      await input.put(item);
      const got = output.get(5_000);
      marks.registered = clock();
      return got;
    },
    stop: () => app.stop(),
  };
}

/** The raw floor: a worker that echoes each message on its port (the benchmark's floor). */
async function rawSide() {
  return { marks: {}, ...(await rawEcho({ workerData: { stamps }, execArgv: preload })) };
}

const events = (log, from, to) => Array.from({ length: to - from }, (_, k) => eventOf(log, from + k));

/** One round: `n` paced hand-offs of a fresh side; returns each leg's median over the warm ones. */
async function round(make) {
  const { send, stop, marks } = await make();
  const starts = [];
  try {
    for (let i = 0; i < n; i++) {
      await sleep(1);
      const at = { t0: clock(), main: mainLog[0], worker: workerLog[0] };
      const echo = await send({ i });
      at.t1 = clock();
      at.registered = marks.registered;
      if (echo?.i !== i) throw new Error(`expected item ${i} back, got ${JSON.stringify(echo)}`);
      starts.push(at);
    }
  } finally {
    await stop();
  }
  const legs = {};
  const add = (name, value) => Number.isFinite(value) && (legs[name] ??= []).push(value);
  for (let k = WARM; k + 1 < starts.length; k++) {
    const at = starts[k];
    const next = starts[k + 1];
    const main = events(mainLog, at.main, next.main);
    const worker = events(workerLog, at.worker, next.worker);
    const mainPost = main.find(([kind]) => kind === POST);
    const mainReceive = main.find(([kind]) => kind === RECEIVE);
    const workerReceive = worker.find(([kind]) => kind === RECEIVE);
    const workerPosts = worker.filter(([kind, start]) => kind === POST && workerReceive && start >= workerReceive[1]);
    add('round trip', at.t1 - at.t0);
    if (!mainPost || !mainReceive || !workerReceive || workerPosts.length === 0) continue;
    add('main: t0 -> its postMessage', mainPost[1] - at.t0);
    if (at.registered) add("main: after its postMessage, the caller's next get registered", at.registered - mainPost[2]);
    add('main postMessage -> worker listener', workerReceive[1] - mainPost[1]);
    add('worker: listener -> its postMessage', workerPosts[0][1] - workerReceive[1]);
    add('worker postMessage -> main listener', mainReceive[1] - workerPosts[0][1]);
    add('main: listener -> t1', at.t1 - mainReceive[1]);
    if (workerPosts[1])
      add("worker: its next message (the thread's next get), from the first post's end", workerPosts[1][1] - workerPosts[0][2]);
  }
  return Object.fromEntries(Object.entries(legs).map(([name, values]) => [name, median(values)]));
}

const sides = { library: librarySide, raw: rawSide };
const results = { library: [], raw: [] };
for (let r = 0; r < rounds; r++) for (const [name, make] of Object.entries(sides)) results[name].push(await round(make));

const names = [...new Set(Object.values(results).flatMap((list) => list.flatMap((legs) => Object.keys(legs))))];
const cell = (list, name) => list.map((legs) => (legs[name] === undefined ? '-' : legs[name].toFixed(1))).join(', ');
console.log(`queue hand-off legs, µs: median of hand-offs ${WARM}-${n} of each round (${rounds} rounds per side, alternated)\n`);
console.log('| leg | library | raw |');
console.log('|---|---|---|');
for (const name of names) console.log(`| ${name} | ${cell(results.library, name)} | ${cell(results.raw, name)} |`);
