import { clipped } from '../../shared/clipped';
import { toPlainError } from '../../shared/errors';
import { currentScope } from '../rpc/context';
import { CountedLines } from '../support/counted-lines';
import { BudgetedLines } from '../support/line-budget';
import type { Logger } from '../support/logger';
import { onProcess } from './process-listeners';

/** How many escaped errors a second are logged each with their stack; the rest make one line a second per kind. */
const FULL_PER_SECOND = 10;

/**
 * While `app.run()` owns the process, an exception or rejection that escapes user code (a
 * throwing timer callback, a promise nobody awaited) is logged instead of ending the service. A
 * timer that throws every millisecond would write thousands of lines a second: past the first ten
 * in a second they are counted, and said once a second with the last one's message.
 * `logger` gives the logger of an error that escaped outside any request. Returns a function that
 * removes the guards.
 */
export function guardProcess(logger: () => Logger): () => void {
  const more = CountedLines.perKey<string>((kind, count, last) =>
    logger().error(`${kind}: ${count} more in the last 1 s, not logged each (the service goes on); the last: ${last}`, { count }),
  );
  const lines = new BudgetedLines(FULL_PER_SECOND, more);
  const escaped = (kind: string, err: unknown): void => {
    const plain = toPlainError(err);
    // where a handler left it (a timer, a promise): its request's logger, which names the action and request
    const log = currentScope()?.logger ?? logger();
    if (lines.full(kind, clipped(plain.message))) log.error(`${kind} (the service goes on): ${plain.message}`, { error: plain });
  };
  const removals = [
    onProcess('uncaughtException', (err: unknown) => escaped('Uncaught exception', err)),
    onProcess('unhandledRejection', (reason: unknown) => escaped('Unhandled promise rejection', reason)),
  ];
  return () => {
    for (const remove of removals) remove();
    lines.flush();
  };
}
