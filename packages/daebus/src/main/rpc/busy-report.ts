import { ErrorCodes } from '../../shared/errors';
import { isReserved } from '../../shared/protocol/builtin-actions';
import { CountedLines } from '../support/counted-lines';
import type { Logger } from '../support/logger';
import type { Transport } from '../transport/transport';
import type { Bulkhead } from './bulkhead';
import { encodeResponse } from './wire';

/** The requests an action had no room for: each answered BUSY, all of them reported once a second. */
export class BusyReport {
  /** Requests turned away with BUSY since the last warning, by action. */
  readonly #busy: CountedLines<undefined>;
  readonly #transport: Transport;
  readonly #bulkhead: (action: string) => Bulkhead | undefined;

  constructor(transport: Transport, logger: Logger, bulkhead: (action: string) => Bulkhead | undefined) {
    this.#transport = transport;
    this.#bulkhead = bulkhead;
    this.#busy = CountedLines.perKey((action, count) => {
      const { limit, maxQueued } = bulkhead(action) as Bulkhead;
      logger.warn(`Turned away ${count} request(s) for "${action}" with BUSY in the last 1 s: ${limit} running and ${maxQueued} waiting`, {
        code: ErrorCodes.BUSY,
        action,
        count,
      });
    });
  }

  /**
   * Answer a request its action has no room for with BUSY. This is the path a flood takes, so it
   * is kept cheap: no Error object, and one warning a second for all the requests turned away.
   */
  turnAway(action: string, channel: string | undefined, requestId: string | undefined): void {
    const bulkhead = this.#bulkhead(action) as Bulkhead;
    const advice = isReserved(action)
      ? 'Try again later (the built-in actions have fixed limits).'
      : 'Try again later, or raise its concurrency or maxQueued.';
    const text = `Action "${action}" is busy: ${bulkhead.limit} running and ${bulkhead.maxQueued} waiting. ${advice}`;
    this.#busy.count(action, undefined);
    if (channel === undefined) return;
    const message = encodeResponse({ status: 'error', payload: { error: text, code: ErrorCodes.BUSY }, requestId, final: true });
    this.#transport.publish(channel, message).catch(() => undefined);
  }

  /** Say now what is counted and not said yet (the service stops: the process may end before the timer). */
  flush(): void {
    this.#busy.flush();
  }
}
