// Bytes a queue hand-off allocates (actions/queue-handoff's fixture), on the main thread and in
// the thread, and where, against the raw port round trip (both sides of each). V8's sampling heap
// profiler, collected objects included: lib/allocation.mjs on the main thread,
// worker-allocation.mjs preloaded into the worker. Hand-offs run one after another, with one turn
// of the event loop between them so that the thread's next get is registered before the next put.
//
//   node packages/bench/tools/queue-alloc.mjs [hand-offs] [top]
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { allocationPerCall } from '../lib/allocation.mjs';
import { fixture, quietApp, rawEcho } from '../lib/workers.mjs';
import { CONTROL_BYTES, REPORTED, SAMPLING, START, STOP, readReport, stateOf } from './worker-allocation.mjs';

const calls = Number(process.argv[2] ?? 30_000);
const top = Number(process.argv[3] ?? 12);
// allocationPerCall runs 20,000 calls before it samples; the worker samples those too
const WARM = 20_000;
const preload = ['--import', new URL('./worker-allocation.mjs', import.meta.url).href];
const turn = () => new Promise((resolve) => setImmediate(resolve));

async function until(state, value) {
  while (Atomics.load(state, 0) !== value) await sleep(5);
}

/** Sample both sides over `calls` hand-offs of `send`; the worker reports through `control`. */
async function measure(send, control) {
  for (let i = 0; i < 2_000; i++) await send();
  const state = stateOf(control);
  Atomics.store(state, 0, START);
  await until(state, SAMPLING);
  const main = await allocationPerCall(send, { calls, top });
  Atomics.store(state, 0, STOP);
  await until(state, REPORTED);
  const worker = readReport(control);
  return {
    main,
    worker: {
      perCall: worker.bytes / (WARM + calls),
      top: worker.top.slice(0, top).map(([where, bytes]) => [bytes / (WARM + calls), where]),
    },
  };
}

async function library() {
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const names = { in: `alloc-in-${randomUUID()}`, out: `alloc-out-${randomUUID()}`, control };
  const app = quietApp('queue-alloc');
  app.thread('echo', fixture('queue-thread.mjs'), { workerData: names, execArgv: preload });
  await app.start({ service: `queue-alloc-${randomUUID()}`, transport: 'memory' });
  const input = app.queue(names.in);
  const output = app.queue(names.out);
  try {
    return await measure(async () => {
      await input.put({ i: 1, t0: 0 });
      await output.get(5_000);
      await turn();
    }, control);
  } finally {
    await app.stop();
  }
}

async function raw() {
  const control = new SharedArrayBuffer(CONTROL_BYTES);
  const { send, stop } = await rawEcho({ workerData: { control }, execArgv: preload });
  try {
    return await measure(async () => {
      await send({ i: 1, t0: 0 });
      await turn();
    }, control);
  } finally {
    await stop();
  }
}

const lib = await library();
const floor = await raw();
const show = (label, side) => {
  console.log(`\n${label}: ${side.perCall.toFixed(0)} bytes per hand-off`);
  for (const [bytes, where] of side.top) console.log(`${bytes.toFixed(0).padStart(6)}  ${where}`);
};
console.log(`Node ${process.versions.node}, ${calls} hand-offs sampled each, every 64 bytes`);
console.log(`library: main ${lib.main.perCall.toFixed(0)} + thread ${lib.worker.perCall.toFixed(0)} bytes per hand-off`);
console.log(`raw port round trip: main ${floor.main.perCall.toFixed(0)} + worker ${floor.worker.perCall.toFixed(0)} bytes per round trip`);
show('library, main thread', lib.main);
show('library, thread', lib.worker);
show('raw, main thread', floor.main);
show('raw, worker', floor.worker);
