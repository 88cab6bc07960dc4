import type { Logger } from '../support/logger';

/** At most one line a second says how many clients were dropped for an unanswered ping. */
const LINE_MS = 1_000;

/**
 * The WebSocket clients dropped for an unanswered ping, said in one line a second at most: pings
 * are spread out, and an outage drops clients over many sweeps.
 */
export class DroppedClientsLine {
  readonly #logger: Logger;
  #dropped = 0;
  #saidAt = -Infinity;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  count(): void {
    this.#dropped += 1;
  }

  /** A sweep ended: say what was dropped, unless a line said it less than a second ago. */
  swept(now: number, pingTimeoutMs: number | undefined): void {
    if (this.#dropped > 0 && now - this.#saidAt >= LINE_MS) this.flush(now, pingTimeoutMs);
  }

  /** Say what was dropped since the last line, now (the sweeps stop). */
  flush(now: number, pingTimeoutMs: number | undefined): void {
    if (this.#dropped === 0) return;
    this.#logger.info(`Dropped ${this.#dropped} WebSocket client(s) that did not answer a ping within ${pingTimeoutMs} ms`);
    this.#dropped = 0;
    this.#saidAt = now;
  }
}
