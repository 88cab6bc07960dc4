import { ErrorCodes } from '../../shared/errors';
import type { Logger } from '../support/logger';

/** How often the route timeouts after the first are reported, at most. */
const REPORT_MS = 1_000;

/**
 * The requests answered 504 because their route did not answer in time. The first of a route in
 * a second is logged with its request id; the rest are counted into one line a second later (as
 * BUSY rejections are): an overloaded route times out thousands of requests, one line each would
 * flood the log.
 */
export class RouteTimeouts {
  readonly #logger: Logger;
  /** Routes that timed out this second: the timeouts since the first (logged) one, and the route's timeout. */
  readonly #counts = new Map<string, { more: number; timeoutMs: number }>();
  #timer?: NodeJS.Timeout;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** `route` (e.g. `GET /slow`) did not answer request `requestId` within `timeoutMs`. */
  timedOut(route: string, timeoutMs: number, requestId: string | undefined, text: string): void {
    const counted = this.#counts.get(route);
    if (counted !== undefined) {
      counted.more += 1;
      return;
    }
    this.#logger.warn(text, { request_id: requestId });
    this.#counts.set(route, { more: 0, timeoutMs });
    this.#timer ??= setTimeout(() => this.flush(), REPORT_MS).unref();
  }

  /** Report the timeouts counted so far (each second, and when the server stops). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [route, { more, timeoutMs }] of this.#counts) {
      if (more === 0) continue;
      const text = `Route ${route} did not answer ${more} more request(s) within ${timeoutMs} ms (each answered 504)`;
      this.#logger.warn(text, { code: ErrorCodes.TIMEOUT, route, count: more });
    }
    this.#counts.clear();
  }
}
