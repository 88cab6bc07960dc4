import type { Redis } from 'ioredis';
import { toPlainError } from '../../shared/errors';
import type { Logger } from './logger';

/**
 * The 'error' events of connections of our own, in the app's log, once per outage. Without a
 * listener ioredis prints each one to stderr with its stack (past the app's logger and its JSON
 * lines); with one, it reports every failed reconnect try. The first error after the
 * connections were up is logged; the rest stay quiet until one of them is ready again (the
 * transport's own connections likewise report one drop per outage).
 */
export class OutageNotice {
  readonly #log: Logger;
  readonly #what: string;
  readonly #one: boolean;
  #down = false;

  /** `what` names the connections, as the subject of the log lines ("Service-wide queue readers"); `one` when it names one. */
  constructor(log: Logger, what: string, one = false) {
    this.#log = log;
    this.#what = what;
    this.#one = one;
  }

  watch(connection: Redis): void {
    const their = this.#one ? 'its' : 'their';
    connection.on('error', (err: unknown) => {
      if (this.#down) return;
      this.#down = true;
      const they = this.#one ? 'it reconnects' : 'they reconnect';
      this.#log.warn(`${this.#what} lost ${their} connection to Redis (${toPlainError(err).message}); ${they} on ${their} own`);
    });
    connection.on('ready', () => {
      if (!this.#down) return;
      this.#down = false;
      this.#log.info(`${this.#what} ${this.#one ? 'is' : 'are'} connected to Redis again`);
    });
  }
}
