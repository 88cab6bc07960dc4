import { toPlainError } from '../../shared/errors';
import type { Logger } from './logger';
import { CountedLines } from './counted-lines';

/** What a handler's failure is logged as: `Route GET /q` with field `route`, `Action "x"` with field `action`. */
export interface FailureSubject {
  /** The key's name in a line, e.g. `Route GET /q`. */
  readonly name: (key: string) => string;
  /** The field that carries the key in the summary's record. */
  readonly field: string;
  /** What each failure got, e.g. `each answered 5xx`, if anything. */
  readonly answered?: string;
  /** The lines' level: `warn` unless set. */
  readonly level?: 'warn' | 'error';
}

/**
 * The warnings of handlers that failed, per key (a route, an action). The first of a key in a
 * second is logged with its error (its stack) and request id; the rest are counted into one line
 * a second later: a handler that throws on every request (its database is down) would write a
 * line with a stack for each of thousands of requests a second.
 */
export class FailureLines {
  readonly #lines: CountedLines<string>;
  readonly #subject: FailureSubject;

  /** Route handlers' failures (answered 5xx). */
  static ofRoutes(logger: Logger): FailureLines {
    return new FailureLines(logger, { name: (route) => `Route ${route}`, field: 'route', answered: 'each answered 5xx' });
  }

  /** Action handlers' failures (answered with an error reply). */
  static ofActions(logger: Logger): FailureLines {
    return new FailureLines(logger, { name: (action) => `Action "${action}"`, field: 'action', answered: 'each answered with an error' });
  }

  /** WebSocket message handlers' failures (answered with an error frame). */
  static ofSocketMessages(logger: Logger): FailureLines {
    return new FailureLines(logger, {
      name: (type) => `WebSocket handler "${type}"`,
      field: 'ws_type',
      answered: 'each answered with an error frame',
    });
  }

  /** Broadcast listeners' failures (nothing is answered). */
  static ofListeners(logger: Logger): FailureLines {
    return new FailureLines(logger, { name: (channel) => `A listener on "${channel}"`, field: 'channel', level: 'error' });
  }

  constructor(logger: Logger, subject: FailureSubject) {
    this.#subject = subject;
    this.#lines = CountedLines.perKey<string>((key, more, last) => {
      const answered = subject.answered === undefined ? '' : ` (${subject.answered})`;
      logger[subject.level ?? 'warn'](`${subject.name(key)} failed ${more} more time(s) in a second${answered}; the last: ${last}`, {
        [subject.field]: key,
        count: more,
      });
    });
  }

  /** `key` failed with `err`, whose message is `message`: written in full by `logger` (with its request id) if first in its second. */
  failed(key: string, logger: Logger, message: string, err: unknown, fields: Record<string, unknown> = {}): void {
    if (this.#lines.first(key, message))
      logger[this.#subject.level ?? 'warn'](`${this.#subject.name(key)} failed: ${message}`, { ...fields, error: toPlainError(err) });
  }

  /** Report the failures counted so far (each second, and when the service or server stops). */
  flush(): void {
    this.#lines.flush();
  }
}
