/**
 * Milliseconds on the monotonic clock (the one `performance.now()` and Node's timers read), for
 * deadlines and durations measured on a hot path. Read once per request or queue wait, mostly
 * after the process sat idle a while: then `performance.now()` took 10-13 µs (its layers of
 * JavaScript were cold), `process.hrtime.bigint()` about half of that.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
