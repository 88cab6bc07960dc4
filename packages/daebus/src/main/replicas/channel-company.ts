import type { Redis } from 'ioredis';
import type { Logger } from '../support/logger';

/**
 * The replica holding the lease on the service's pub/sub channel should be its only subscriber.
 * Another one (a Python Daebus service of the same name, a copy of this service started without
 * replicas) runs every request published there too. Looked at every `everyMs` while this replica
 * holds the lease; said once, when seen twice in a row (a replica that stalled while it held the
 * lease is still subscribed until it wakes, and then lets go), and again after it was gone.
 */
export class ChannelCompany {
  readonly #client: Redis;
  readonly #service: string;
  readonly #log: Logger;
  readonly #everyMs: number;
  /** Renews the lease and says whether this replica still holds it. */
  readonly #stillHolds: () => Promise<boolean>;
  #timer?: NodeJS.Timeout;
  #seen = 0;
  #said = false;

  constructor(init: { client: Redis; service: string; log: Logger; everyMs: number; stillHolds: () => Promise<boolean> }) {
    this.#client = init.client;
    this.#stillHolds = init.stillHolds;
    this.#service = init.service;
    this.#log = init.log;
    this.#everyMs = init.everyMs;
  }

  /** Look while the lease is held. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.#look(), this.#everyMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#seen = 0;
  }

  async #look(): Promise<void> {
    let others: number;
    try {
      // PUBSUB NUMSUB counts this process's own subscription too
      others = Number(((await this.#client.pubsub('NUMSUB', this.#service)) as unknown[])[1]) - 1;
    } catch {
      return; // Redis down or slow: the transport says so
    }
    if (this.#timer === undefined) return;
    if (!(others > 0)) {
      this.#seen = 0;
      this.#said = false;
      return;
    }
    this.#seen += 1;
    if (this.#seen < 2 || this.#said) return;
    // the other may be the replica that took the lease from this one (which, reconnected, is
    // subscribed again until its next renewal fails): that renewal first
    if (!(await this.#stillHolds().catch(() => false)) || this.#timer === undefined) return;
    this.#said = true;
    this.#log.warn(
      `${others} other connection${others === 1 ? '' : 's'} subscribe${others === 1 ? 's' : ''} to channel "${this.#service}", ` +
        'which only the replica taking its requests in should: a Python Daebus service of that name, or a copy of this ' +
        'service started without the replicas option, runs every request published there too, so those requests run twice. ' +
        'Stop it, or start it with replicas too. (A replica of this service that stalled while it held the lease stays ' +
        'subscribed until it wakes, and runs nothing; a `daebus listen` on the channel counts too.)',
      { service: this.#service, subscribers: others + 1 },
    );
  }
}
