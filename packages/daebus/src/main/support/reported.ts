/**
 * Errors whose cause a log line has already said: a pooled call cancelled at a stop (the stop's
 * "Gave up on ..." line names it). A failed action logs no warning of its own for them, only a
 * debug line: a stop with a hundred pooled calls running said "failed" a hundred times, each
 * with a stack.
 */
const reported = new WeakSet<object>();

export function markReported<E extends object>(err: E): E {
  reported.add(err);
  return err;
}

export function isReported(err: unknown): boolean {
  return typeof err === 'object' && err !== null && reported.has(err);
}
