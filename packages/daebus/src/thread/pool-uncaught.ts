// Uncaught errors in a pool worker, tied to the call whose code threw them. A timer a call left
// behind fires after the call ended: while the worker is idle, or during its next call (piscina's
// blocking wait, its default, held it until then). Without this, its error crashed the worker and
// failed the next, unrelated call, and nothing named the call that left the timer.
import { AsyncLocalStorage } from 'node:async_hooks';
import { copyableError } from './crash-error';

/**
 * The pooled call the code running now belongs to, followed through the timers, callbacks and
 * promises it started (set for each call's handler; none for a module's own top-level code).
 */
export const callOf = new AsyncLocalStorage<object>();

/**
 * Listen for uncaught errors and unhandled rejections in this worker. One thrown by the running
 * call's own code, or by no call's code while a call runs, crashes the worker, as Node's default
 * does (the call fails with it and piscina starts another worker). One from a call that had ended,
 * or from no call while none runs, is passed to `stray`: no call is failed for it, unless `stray`
 * returns an error to end the worker with (piscina fails the task it still counts as running).
 */
export function watchUncaught<Call extends object>(
  running: () => Call | undefined,
  stray: (err: unknown, culprit: Call | undefined) => unknown,
): void {
  const crash = (err: unknown): void => {
    process.off('uncaughtException', listener);
    // thrown again with no listener: the worker ends with it, as it did before this listener
    queueMicrotask(() => {
      throw copyableError(err);
    });
  };
  const listener = (err: unknown): void => {
    const culprit = callOf.getStore() as Call | undefined;
    const now = running();
    // no call's code (a module-level resource's callback, as a driver's) while a call runs: most
    // likely that call's doing, which may wait on it for ever; it fails now, as it did before
    if (now !== undefined && (culprit === now || culprit === undefined)) return crash(err);
    let fatal: unknown;
    try {
      fatal = stray(err, culprit);
    } catch {
      // reporting must not throw inside the listener (Node would end the worker with code 7)
    }
    if (fatal !== undefined) crash(fatal);
  };
  // with no 'unhandledRejection' listener, Node passes an unhandled rejection here too
  process.on('uncaughtException', listener);
}
