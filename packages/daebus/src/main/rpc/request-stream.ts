import type { Redis } from 'ioredis';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { serviceKeys, type ServiceKeys } from '../replicas/keys';
import { defineScript } from '../support/redis-script';
import type { Transport } from '../transport/transport';

/** How often a caller looks up whether its service runs replicas ('auto'). */
const REPLICA_CHECK_MS = 2_000;
/** How old a look may be for a request nobody received (looked at again: an empty Redis restart). */
const UNRECEIVED_CHECK_MS = 250;

// KEYS: the stream, `live`; ARGV: the entry's fields. Appends only while a replica is live: after
// the last one stopped (and deleted `live`), a request must not wait in a stream nobody reads.
const ADD_WHILE_LIVE = `if redis.call('EXISTS', KEYS[2]) == 0 then return false end
return redis.call('XADD', KEYS[1], '*', unpack(ARGV))`;

type AddWhileLive = (stream: string, live: string, ...fields: string[]) => Promise<string | null>;

/**
 * A caller's way into a replicated service's durable stream, and whether to take it: always
 * (`true`), never (`false`), or while the service runs replicas (`'auto'`, looked up at most
 * every 2 s).
 */
export class RequestStream {
  readonly #transport: Transport;
  readonly #durable: boolean | 'auto';
  readonly #keys: ServiceKeys;
  /** Whether the service runs replicas, as last looked up, and when. */
  #replicated = false;
  #checkedAt = 0;
  #looking?: Promise<boolean>;
  /** The script that adds while `live` exists, and the client it is defined on. */
  #addWhileLive?: { client: Redis; run: AddWhileLive };

  constructor(service: string, transport: Transport, durable: boolean | 'auto') {
    this.#transport = transport;
    this.#durable = durable;
    this.#keys = serviceKeys(service);
  }

  /** Send through the stream? undefined when it is time to look it up again. */
  usedNow(): boolean | undefined {
    if (this.#durable === false || !this.#transport.cache) return false;
    if (this.#durable === true) return true;
    return Date.now() - this.#checkedAt < REPLICA_CHECK_MS ? this.#replicated : undefined;
  }

  /**
   * Send through the stream? Looked up when the last look is older than 2 s, or than 250 ms for
   * a request nobody received (`unreceived`); requests that ask at once share one look.
   */
  async used(unreceived = false): Promise<boolean> {
    const known = this.usedNow();
    if (known !== undefined && !(unreceived && this.#durable === 'auto' && Date.now() - this.#checkedAt >= UNRECEIVED_CHECK_MS))
      return known;
    this.#looking ??= this.#look().finally(() => (this.#looking = undefined));
    return this.#looking;
  }

  async #look(): Promise<boolean> {
    this.#replicated = (await this.#redis().exists(this.#keys.live)) === 1;
    this.#checkedAt = Date.now();
    return this.#replicated;
  }

  /**
   * Add a message to the stream, with the time its caller waits for the reply, if any. False
   * when, in 'auto', no replica is live any more (the caller then sends it on the channel and
   * keeps that answer as its look).
   */
  async add(message: string, timeoutMs?: number): Promise<boolean> {
    const redis = this.#redis();
    // the requests a caller sends in one turn leave in one write (one system call each was most
    // of a loaded caller's cost)
    this.#transport.coalesceCache?.();
    const fields = timeoutMs === undefined ? ['m', message] : ['m', message, 't', String(timeoutMs)];
    if (this.#durable === true) {
      await redis.xadd(this.#keys.requests, '*', ...fields);
      return true;
    }
    if (this.#addWhileLive?.client !== redis)
      this.#addWhileLive = { client: redis, run: defineScript<AddWhileLive>(redis, 'daebusAddWhileLive', 2, ADD_WHILE_LIVE) };
    if ((await this.#addWhileLive.run(this.#keys.requests, this.#keys.live, ...fields)) !== null) return true;
    this.#replicated = false;
    this.#checkedAt = Date.now();
    return false;
  }

  #redis(): Redis {
    const client = this.#transport.cache?.();
    if (!client)
      throw new DaebusError(ErrorCodes.INVALID_OPTION, 'new DaebusCaller(service, { durable: true }) needs the Redis transport.');
    return client;
  }
}
