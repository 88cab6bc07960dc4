import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { Logger } from './logger';
import { CountedLines } from './counted-lines';
import { monotonicMs } from '../../shared/clock';

/** How many failures of one key a second are logged each with their stack; the rest make one line a second. */
const FULL_PER_SECOND = 10;
const WINDOW_MS = 1_000;

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
  /** What the lines say it did: `failed` unless set. */
  readonly verb?: string;
}

/**
 * The warnings of handlers that failed, per key (a route, an action). The first ten of a key in a
 * second are logged each with its error (its stack) and request id, so that distinct failures at
 * an ordinary rate all show; the rest are counted into one line a second later: a handler that
 * throws on every request (its database is down) would write a line with a stack for each of
 * thousands of requests a second.
 */
export class FailureLines {
  readonly #lines: CountedLines<string>;
  readonly #subject: FailureSubject;
  /** Lines written in full this second, by key. */
  readonly #full = new Map<string, number>();
  #windowStart = -Infinity;

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
    return new FailureLines(logger, { name: (channel) => `A listener on "${channel}"`, field: 'channel', level: 'error', verb: 'threw' });
  }

  constructor(logger: Logger, subject: FailureSubject) {
    this.#subject = subject;
    this.#lines = CountedLines.perKey<string>((key, more, last) => {
      const answered = subject.answered === undefined ? '' : ` (${subject.answered})`;
      logger[subject.level ?? 'warn'](
        `${subject.name(key)} ${subject.verb ?? 'failed'} ${more} more time(s) in a second${answered}; the last: ${last}`,
        {
          [subject.field]: key,
          count: more,
        },
      );
    });
  }

  /** `key` failed with `err`, whose message is `message`: written in full by `logger` (with its request id) while among its key's first ten of the second, else counted. */
  failed(key: string, logger: Logger, message: string, err: unknown, fields: Record<string, unknown> = {}): void {
    const now = monotonicMs();
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#full.clear();
    }
    const written = (this.#full.get(key) ?? 0) + 1;
    this.#full.set(key, written);
    if (written > FULL_PER_SECOND) return this.#lines.count(key, message);
    const { name, level, verb } = this.#subject;
    logger[level ?? 'warn'](`${name(key)} ${verb ?? 'failed'}: ${message}`, { ...fields, error: withoutTimerStack(err) });
  }

  /** Report the failures counted so far (each second, and when the service or server stops). */
  flush(): void {
    this.#lines.flush();
  }
}

/** A timeout's stack says where the timer fired (inside this library), not where the handler was: left out. */
function withoutTimerStack(err: unknown): ReturnType<typeof toPlainError> {
  const plain = toPlainError(err);
  if (!(err instanceof DaebusError && err.code === ErrorCodes.TIMEOUT)) return plain;
  const { stack: _stack, ...rest } = plain;
  return rest;
}
