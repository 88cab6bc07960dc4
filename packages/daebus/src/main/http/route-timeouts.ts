import { ErrorCodes } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { CountedLines } from '../support/counted-lines';

/**
 * The requests answered 504 because their route did not answer in time. The first of a route in
 * a second is logged with its request id; the rest are counted into one line a second later (as
 * BUSY rejections are): an overloaded route times out thousands of requests, one line each would
 * flood the log.
 */
export class RouteTimeouts {
  readonly #logger: Logger;
  readonly #lines: CountedLines<number>;

  constructor(logger: Logger) {
    this.#logger = logger;
    this.#lines = CountedLines.perKey<number>((route, more, timeoutMs) => {
      const text = `Route ${route} did not answer ${more} more request(s) within ${timeoutMs} ms (each answered 504)`;
      logger.warn(text, { code: ErrorCodes.TIMEOUT, route, count: more });
    });
  }

  /** `route` (e.g. `GET /slow`) did not answer request `requestId` within `timeoutMs`. */
  timedOut(route: string, timeoutMs: number, requestId: string | undefined, text: string): void {
    if (this.#lines.first(route, timeoutMs)) this.#logger.warn(text, { request_id: requestId });
  }

  /** Report the timeouts counted so far (each second, and when the server stops). */
  flush(): void {
    this.#lines.flush();
  }
}
