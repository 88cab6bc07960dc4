import { toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';

/** How often the failures of a route after the first are reported, at most. */
const REPORT_MS = 1_000;

/**
 * The warnings of route handlers that failed (answered 5xx). The first of a route in a second is
 * logged with its error (its stack) and request id; the rest are counted into one line a second
 * later, as route timeouts are: a route that throws on every request (its database is down) would
 * write a line with a stack for each of thousands of requests a second.
 */
export class RouteFailures {
  readonly #logger: Logger;
  /** Routes that failed this second: the failures since the first (logged) one, and the last one's message. */
  readonly #counts = new Map<string, { more: number; last: string }>();
  #timer?: NodeJS.Timeout;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** `route` (e.g. `GET /q`) failed with `err`, answered with `message`; `call.logger` has its request id. */
  failed(route: string, call: { readonly logger: Logger }, message: string, err: unknown): void {
    const counted = this.#counts.get(route);
    if (counted !== undefined) {
      counted.more += 1;
      counted.last = message;
      return;
    }
    call.logger.warn(`Route ${route} failed: ${message}`, { error: toPlainError(err) });
    this.#counts.set(route, { more: 0, last: message });
    this.#timer ??= setTimeout(() => this.flush(), REPORT_MS).unref();
  }

  /** Report the failures counted so far (each second, and when the server stops). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [route, { more, last }] of this.#counts) {
      if (more === 0) continue;
      this.#logger.warn(`Route ${route} failed ${more} more time(s) in a second (each answered 5xx); the last: ${last}`, {
        route,
        count: more,
      });
    }
    this.#counts.clear();
  }
}
