import type { Redis } from 'ioredis';
import { toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import type { MessageHandler, Transport } from '../transport/transport';
import { serviceKeys, type ServiceKeys } from './keys';

// KEYS: the lease. ARGV: the holder, ttl ms. Extends the lease if this replica holds it.
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;
// KEYS: the lease. ARGV: the holder. Drops the lease if this replica holds it.
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Requests published on the service's pub/sub channel (by Python Daebus callers, and by ours
 * when no replica is known yet) must each be handled once, not once per replica. One replica at a
 * time holds a lease and is the only one subscribed to the channel; it appends each message to
 * the durable request stream, which every replica reads. The lease expires if its holder dies
 * (the next replica takes over within a few heartbeats); a holder that stops hands it over at
 * once. A message published while no replica holds the lease is not delivered (pub/sub keeps
 * nothing): requests over pub/sub stay at-most-once.
 */
export class IngestLeader {
  readonly #client: Redis;
  readonly #transport: Transport;
  readonly #keys: ServiceKeys;
  readonly #service: string;
  readonly #id: string;
  readonly #ttlMs: number;
  readonly #renewMs: number;
  readonly #log: Logger;
  #leading = false;
  #stopped = false;
  #timer?: NodeJS.Timeout;

  constructor(init: { client: Redis; transport: Transport; service: string; id: string; heartbeatMs: number; log: Logger }) {
    this.#client = init.client;
    this.#transport = init.transport;
    this.#keys = serviceKeys(init.service);
    this.#service = init.service;
    this.#id = init.id;
    this.#renewMs = init.heartbeatMs;
    this.#ttlMs = init.heartbeatMs * 3;
    this.#log = init.log;
  }

  get leading(): boolean {
    return this.#leading;
  }

  async start(): Promise<void> {
    await this.#transport.subscribe(this.#keys.handoff, this.#onHandoff);
    await this.#tick();
    this.#timer = setInterval(() => void this.#tick(), this.#renewMs);
    this.#timer.unref();
  }

  /** Stop taking pub/sub requests; hand the lease to the others at once. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#transport.unsubscribe(this.#keys.handoff, this.#onHandoff).catch(() => undefined);
    if (!this.#leading) return;
    this.#leading = false;
    await this.#transport.unsubscribe(this.#service, this.#ingest).catch(() => undefined);
    await this.#client.eval(RELEASE, 1, this.#keys.ingest, this.#id).catch(() => undefined);
    await this.#client.publish(this.#keys.handoff, this.#id).catch(() => undefined);
  }

  readonly #onHandoff: MessageHandler = () => void this.#tick();

  /** Keep the lease, or try to take it. */
  async #tick(): Promise<void> {
    if (this.#stopped) return;
    try {
      if (this.#leading) {
        if (Number(await this.#client.eval(RENEW, 1, this.#keys.ingest, this.#id, String(this.#ttlMs))) === 1) return;
        this.#leading = false; // it expired (this process stalled): another replica may hold it now
        await this.#transport.unsubscribe(this.#service, this.#ingest);
        this.#log.warn(`Lost the lease on the pub/sub channel of "${this.#service}"`);
        return;
      }
      if ((await this.#client.set(this.#keys.ingest, this.#id, 'PX', this.#ttlMs, 'NX')) !== 'OK' || this.#stopped) return;
      this.#leading = true;
      await this.#transport.subscribe(this.#service, this.#ingest);
      this.#log.debug(`Taking pub/sub requests of "${this.#service}" into the request stream`);
    } catch (err) {
      this.#log.warn(`The pub/sub lease of "${this.#service}" could not be kept: ${toPlainError(err).message}`);
    }
  }

  readonly #ingest: MessageHandler = (raw) => {
    this.#client.xadd(this.#keys.requests, '*', 'm', raw).catch((err: unknown) => {
      this.#log.warn(`A pub/sub request was lost: it could not be added to the request stream (${toPlainError(err).message})`);
    });
  };
}
