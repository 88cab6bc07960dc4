// Preloaded with `--import` into a worker by queue-alloc.mjs: samples what the worker allocates
// (V8's sampling heap profiler, collected objects included, as lib/allocation.mjs does on the
// main thread) between two signals the main thread gives in a SharedArrayBuffer that the worker
// finds in its workerData, and writes back the bytes and the top allocating functions.
import { Session } from 'node:inspector/promises';
import { isMainThread, workerData } from 'node:worker_threads';
import { startSampling, summarize } from '../lib/allocation.mjs';
import { findSharedBuffer } from './worker-data.mjs';

/** Bytes of the control buffer: [state, length of the report], bytes allocated, the report as JSON. */
export const CONTROL_BYTES = 16 * 1024 + 24;
export const IDLE = 0;
export const START = 1;
export const SAMPLING = 2;
export const STOP = 3;
export const REPORTED = 4;
const REPORT_AT = 24;

export const stateOf = (buffer) => new Int32Array(buffer, 0, 2);
export const bytesOf = (buffer) => new Float64Array(buffer, 8, 1);

/** The report the worker wrote: { bytes, top: [[where, bytes]] }. */
export function readReport(buffer) {
  const length = stateOf(buffer)[1];
  const top = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, REPORT_AT, length).slice()));
  return { bytes: bytesOf(buffer)[0], top };
}

async function report(session, buffer) {
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const { bytes, byFunction } = summarize(profile);
  const top = byFunction.slice(0, 40);
  const json = new TextEncoder().encode(JSON.stringify(top)).slice(0, CONTROL_BYTES - REPORT_AT);
  new Uint8Array(buffer, REPORT_AT).set(json);
  bytesOf(buffer)[0] = bytes;
  stateOf(buffer)[1] = json.length;
}

const buffer = isMainThread ? undefined : findSharedBuffer(workerData, CONTROL_BYTES);
if (buffer) {
  const state = stateOf(buffer);
  const session = new Session();
  session.connect();
  let busy = false;
  // polled: a message would be one more message on the path being measured
  setInterval(() => {
    if (busy) return;
    const now = Atomics.load(state, 0);
    if (now !== START && now !== STOP) return;
    busy = true;
    (now === START ? startSampling(session) : report(session, buffer))
      .then(() => Atomics.store(state, 0, now === START ? SAMPLING : REPORTED))
      .finally(() => (busy = false));
  }, 5).unref();
}
