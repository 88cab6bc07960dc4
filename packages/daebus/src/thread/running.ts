import { BEAT_SLOT, RUN, RUN_SLOT, SLEEP_SLOT } from '../shared/flags';
import { checker, type Checker } from '../shared/validate';

/**
 * `running()` for one flag buffer.
 *
 * A plain read of the Int32Array, not `Atomics.load`: in a tight CPU-bound loop the atomic load
 * cost 9-13 ns per call here (the loop ran at about 0.14x its bare speed) while the plain read
 * cost nothing measurable (1.00x in the running() benchmark). The language lets an engine keep a
 * non-atomic read out of a loop; V8 re-reads typed-array elements on every call, the test suite
 * checks that a loop calling only `running()` sees the stop, and the supervisor's terminate
 * after `shutdownTimeoutMs` is the guaranteed backstop. The sleeps below wait with `Atomics`,
 * so a sleeping thread always sees the stop at once.
 *
 * Each call also writes the heartbeat (a plain store to a cache line the thread owns between
 * the supervisor's samples), so a CPU loop that checks `running()` is never taken for stalled.
 *
 * It stays branch-free: telling anyone of the stop from here (one `if`) made the loop 3.5x slower
 * in the `running()` benchmark. `t.signal` and the stop hooks read the flag themselves (stop.ts).
 */
export function createRunning(flags: Int32Array): () => boolean {
  return () => {
    flags[BEAT_SLOT] = 1;
    return flags[RUN_SLOT] === RUN;
  };
}

/** Block the thread up to `ms`, returning early when a stop is requested. True while still running. */
export function sleepSync(flags: Int32Array, ms: number): boolean {
  const timeout = normalizeMs(ms, checkSync);
  if (timeout > 0) {
    // asleep on purpose: the supervisor must not count this as a stall
    Atomics.store(flags, SLEEP_SLOT, 1);
    try {
      Atomics.wait(flags, RUN_SLOT, RUN, timeout);
    } finally {
      Atomics.store(flags, SLEEP_SLOT, 0);
      Atomics.store(flags, BEAT_SLOT, 1);
    }
  }
  return Atomics.load(flags, RUN_SLOT) === RUN;
}

/**
 * Wait up to `ms` without blocking the event loop, resolving early when a stop is requested.
 * Resolves true while still running. `Atomics.waitAsync` alone does not keep a worker alive, so a
 * ref'd timer is held until the wait settles.
 */
export async function sleep(flags: Int32Array, ms: number): Promise<boolean> {
  const timeout = normalizeMs(ms, check);
  // 0 or less: one turn of the event loop, as asyncio.sleep(0) yields to Python's (a resolved
  // promise let no message in: a loop yielding that way never read the answers to its calls)
  if (timeout === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  else if (Atomics.load(flags, RUN_SLOT) === RUN) {
    const wait = Atomics.waitAsync(flags, RUN_SLOT, RUN, timeout);
    if (wait.async) {
      // an interval, not a timeout of the same length: a timer past 2^31-1 ms (or Infinity) fires at once
      const keepAlive = setInterval(noop, 1 << 30);
      try {
        await wait.value;
      } finally {
        clearInterval(keepAlive);
      }
    }
  }
  return Atomics.load(flags, RUN_SLOT) === RUN;
}

const check = checker('t.sleep(ms)', 'INVALID_ARGUMENT');
const checkSync = checker('t.sleepSync(ms)', 'INVALID_ARGUMENT');

/**
 * A number of milliseconds, 0 for one of 0 or less: a loop that sleeps until its next tick
 * (`next - Date.now()`) gets a negative one when it runs late, and goes on. Infinity sleeps until the stop.
 */
function normalizeMs(ms: number, named: Checker): number {
  if (typeof ms !== 'number' || Number.isNaN(ms)) named.fail('ms', 'a number of milliseconds', ms);
  return ms <= 0 ? 0 : ms;
}

function noop(): void {}
