import type { DaebusError } from '../../shared/errors';
import { CountedLines } from '../support/counted-lines';
import type { Logger } from '../support/logger';
import { clipped } from '../../shared/clipped';
import { BudgetedLines } from '../support/line-budget';

/** How many refused requests a second are logged each in full; the rest make one warning a second. */
const FULL_PER_SECOND = 10;

/**
 * The log of requests refused whole (not JSON, unknown action, bad fields). Each is answered; a
 * flood of them (a broken or hostile sender) must not flood the log too: past the first ten in a
 * second, they are counted by code and reported once a second, as BUSY is.
 */
export class RejectLog {
  readonly #logger: Logger;
  /** Refusals not logged each are counted by code, and said in one line a second for all of them. */
  readonly #lines: BudgetedLines<undefined>;

  constructor(logger: Logger) {
    this.#logger = logger;
    const more = new CountedLines<undefined>((more) => {
      const counts = Object.fromEntries([...more].map(([code, counted]) => [code, counted.more]));
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const byCode = Object.entries(counts)
        .map(([code, count]) => `${code} x${count}`)
        .join(', ');
      logger.warn(`Rejected ${total} more request(s) in the last 1 s, each answered but not logged: ${byCode}`, {
        counts,
      });
    });
    this.#lines = new BudgetedLines(FULL_PER_SECOND, more);
  }

  note(error: DaebusError, action: string | undefined, requestId: string | number | undefined): void {
    if (!this.#lines.full(error.code, undefined)) return;
    this.#logger.warn(`Rejected a request${action ? ` for "${clipped(action)}"` : ''}: ${error.message}`, {
      code: error.code,
      ...(requestId !== undefined ? { request_id: requestId } : {}),
    });
  }

  /** Say now what is counted and not said yet (the service stops: the process may end before the timer). */
  flush(): void {
    this.#lines.flush();
  }
}
