// Preloaded with `--import` into a worker (and installed by hand on the main thread): stamps
// every MessagePort postMessage (start, end) and every 'message' listener call (entry) on
// process.hrtime, one monotonic clock for every thread of the process, into a log in a
// SharedArrayBuffer the worker finds in its workerData. Used by queue-legs.mjs.
import { MessagePort, isMainThread, workerData } from 'node:worker_threads';
import { findSharedBuffer } from './worker-data.mjs';

/** Bytes of a stamp buffer: two logs (main thread, worker) of LOG_EVENTS events each. */
export const LOG_EVENTS = 1 << 18;
const LOG_SLOTS = 1 + 3 * LOG_EVENTS;
export const STAMP_BYTES = 8 * 2 * LOG_SLOTS;
export const POST = 1;
export const RECEIVE = 2;

export const clock = () => Number(process.hrtime.bigint()) / 1000;

/** The log of `side` (0: main thread, 1: worker) in `buffer`: [count, then kind/start/end per event]. */
export const logOf = (buffer, side) => new Float64Array(buffer, 8 * side * LOG_SLOTS, LOG_SLOTS);

/** Event `i` of a log: [kind, start, end] (end NaN until the call returned). */
export function eventOf(log, i) {
  const at = 1 + (i % LOG_EVENTS) * 3;
  return [log[at], log[at + 1], log[at + 2]];
}

/** Stamp this thread's ports into `log`. */
export function install(log) {
  const begin = (kind) => {
    const i = log[0];
    const at = 1 + (i % LOG_EVENTS) * 3;
    log[at] = kind;
    log[at + 1] = clock();
    log[at + 2] = NaN;
    log[0] = i + 1;
    return at;
  };
  const post = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (...args) {
    const at = begin(POST);
    try {
      return post.apply(this, args);
    } finally {
      log[at + 2] = clock();
    }
  };
  const on = MessagePort.prototype.on;
  MessagePort.prototype.on = function (event, listener) {
    if (event !== 'message') return on.call(this, event, listener);
    return on.call(this, event, function (message) {
      const at = begin(RECEIVE);
      try {
        return listener.call(this, message);
      } finally {
        log[at + 2] = clock();
      }
    });
  };
}

if (!isMainThread) {
  const buffer = findSharedBuffer(workerData, STAMP_BYTES);
  if (buffer) install(logOf(buffer, 1));
}
