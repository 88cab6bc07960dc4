import { monotonicMs } from '../../shared/clock';

/** How late a timer may fire before the lateness counts as this process's own event-loop lag. */
const LAG_MS = 50;

/**
 * Call `fire` after `ms`, for a deadline on an answer from another process (Redis). A timer that
 * fires more than 50 ms late found this process's event loop held (a long synchronous handler, a
 * GC pause): the answer may be sitting unread in a socket, which is read only after the timers,
 * so it is given `graceMs` more, up to `rearms` times, rather than blamed on the other side.
 * Returns the cancel.
 */
export function lagTolerantTimer(ms: number, graceMs: number, rearms: number, fire: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = (after: number, left: number): void => {
    const due = monotonicMs() + after;
    timer = setTimeout(() => (monotonicMs() - due > LAG_MS && left > 0 ? arm(graceMs, left - 1) : fire()), after);
  };
  arm(ms, rearms);
  return () => clearTimeout(timer);
}
