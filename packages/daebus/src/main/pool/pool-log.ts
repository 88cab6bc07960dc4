import { releaseLogRecord } from '../support/log-backlog';
import { createFlags, droppedRecordsLine, LOG_DROPPED_SLOT, LOG_LEVEL_SLOT } from '../../shared/flags';
import { mostVerboseLevel } from '../support/log-level';
import type { Logger } from '../support/logger';

/**
 * The log gate every pool worker shares, laid out as a thread's flags (only its log slots are
 * used): workers leave out what the logger does not write and drop records past LOG_BACKLOG_MAX
 * (or LOG_BACKLOG_BYTES) unread ones, as threads do, so that a pooled handler logging in a loop cannot flood the main side.
 */
export class PoolLogGate {
  readonly shared = createFlags();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.refresh();
  }

  /** A message from a worker was read: a log record leaves the backlog. */
  read(message: unknown): void {
    releaseLogRecord(this.shared, message);
  }

  /** Keep the level current (a level set at run time), and say how many records were dropped since the last time. */
  refresh(): void {
    Atomics.store(this.shared, LOG_LEVEL_SLOT, mostVerboseLevel(this.#logger));
    const dropped = Atomics.exchange(this.shared, LOG_DROPPED_SLOT, 0);
    if (dropped > 0) {
      this.#logger.warn(droppedRecordsLine(dropped, 'of pooled handlers'));
    }
  }
}
