import { CountedLines } from '../support/counted-lines';
import { LineBudget } from '../support/line-budget';
import type { Logger } from '../support/logger';

/** How many dropped broadcasts a second are logged each; the rest make one warning a second per channel. */
const FULL_PER_SECOND = 10;

/**
 * The log of broadcasts a listener's channel got that cannot be read (not UTF-8, not JSON): a
 * broken or hostile publisher would otherwise write a line per message. Past the first ten in a
 * second they are counted per channel and said once a second, with what the last was.
 */
export class DroppedBroadcasts {
  readonly #logger: Logger;
  readonly #budget = new LineBudget(FULL_PER_SECOND);
  readonly #more: CountedLines<string>;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#more = CountedLines.perKey<string>((channel, count, last) =>
      logger.warn(`Dropped ${count} more message(s) on "${channel}" in the last 1 s, not logged each; the last was ${last}`, {
        channel,
        count,
      }),
    );
  }

  /** A message on `channel` was dropped: it is `why` (e.g. `not JSON`). */
  note(channel: string, why: string): void {
    if (this.#budget.take()) this.#logger.warn(`Dropped a message on "${channel}" that is ${why}`, { channel });
    else this.#more.count(channel, why);
  }

  /** Say now what is counted and not said yet (the service stops). */
  flush(): void {
    this.#more.flush();
  }
}
