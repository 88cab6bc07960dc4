import { toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { CountedLines } from '../support/counted-lines';

/**
 * The warnings of route handlers that failed (answered 5xx). The first of a route in a second is
 * logged with its error (its stack) and request id; the rest are counted into one line a second
 * later, as route timeouts are: a route that throws on every request (its database is down) would
 * write a line with a stack for each of thousands of requests a second.
 */
export class RouteFailures {
  readonly #lines: CountedLines<string>;

  constructor(logger: Logger) {
    this.#lines = CountedLines.perKey<string>((route, more, last) =>
      logger.warn(`Route ${route} failed ${more} more time(s) in a second (each answered 5xx); the last: ${last}`, { route, count: more }),
    );
  }

  /** `route` (e.g. `GET /q`) failed with `err`, answered with `message`; `call.logger` has its request id. */
  failed(route: string, call: { readonly logger: Logger }, message: string, err: unknown): void {
    if (this.#lines.first(route, message)) call.logger.warn(`Route ${route} failed: ${message}`, { error: toPlainError(err) });
  }

  /** Report the failures counted so far (each second, and when the server stops). */
  flush(): void {
    this.#lines.flush();
  }
}
