import { ErrorCodes } from '../../shared/errors';
import type { Logger } from '../support/logger';
import type { Transport } from '../transport/transport';
import type { Bulkhead } from './bulkhead';
import { encodeResponse } from './wire';

/** How often the requests turned away with BUSY are reported, at most. */
const BUSY_REPORT_MS = 1_000;

/** The requests an action had no room for: each answered BUSY, all of them reported once a second. */
export class BusyReport {
  /** Requests turned away with BUSY since the last warning, by action. */
  readonly #busy = new Map<string, number>();
  #busyTimer?: NodeJS.Timeout;
  readonly #transport: Transport;
  readonly #logger: Logger;
  readonly #bulkhead: (action: string) => Bulkhead | undefined;

  constructor(transport: Transport, logger: Logger, bulkhead: (action: string) => Bulkhead | undefined) {
    this.#transport = transport;
    this.#logger = logger;
    this.#bulkhead = bulkhead;
  }

  /**
   * Answer a request its action has no room for with BUSY. This is the path a flood takes, so it
   * is kept cheap: no Error object, and one warning a second for all the requests turned away.
   */
  turnAway(action: string, channel: string | undefined, requestId: string | undefined): void {
    const bulkhead = this.#bulkhead(action) as Bulkhead;
    const text = `Action "${action}" is busy: ${bulkhead.limit} running and ${bulkhead.maxQueued} waiting. Try again later, or raise its concurrency or maxQueued.`;
    this.#busy.set(action, (this.#busy.get(action) ?? 0) + 1);
    if (this.#busyTimer === undefined) this.#busyTimer = setTimeout(() => this.#report(), BUSY_REPORT_MS).unref();
    if (channel === undefined) return;
    const message = encodeResponse({ status: 'error', payload: { error: text, code: ErrorCodes.BUSY }, requestId, final: true });
    this.#transport.publish(channel, message).catch(() => undefined);
  }

  /** Say now what is counted and not said yet (the service stops: the process may end before the timer). */
  flush(): void {
    if (this.#busyTimer !== undefined) this.#report();
  }

  #report(): void {
    clearTimeout(this.#busyTimer);
    this.#busyTimer = undefined;
    for (const [action, count] of this.#busy) {
      const { limit, maxQueued } = this.#bulkhead(action) as Bulkhead;
      this.#logger.warn(
        `Turned away ${count} request(s) for "${action}" with BUSY in the last ${BUSY_REPORT_MS / 1000} s: ${limit} running and ${maxQueued} waiting`,
        { code: ErrorCodes.BUSY, action, count },
      );
    }
    this.#busy.clear();
  }
}
