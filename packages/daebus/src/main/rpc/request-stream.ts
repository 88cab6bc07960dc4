import type { Redis } from 'ioredis';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { serviceKeys, type ServiceKeys } from '../replicas/keys';
import type { Transport } from '../transport/transport';
import { monotonicMs } from '../../shared/clock';

/** How often a caller looks up whether its service runs replicas ('auto'). */
const REPLICA_CHECK_MS = 2_000;
/** How old a look may be for a request nobody received (looked at again: an empty Redis restart). */
const UNRECEIVED_CHECK_MS = 250;

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
  #checkedAt = -Infinity;
  #looking?: Promise<boolean>;
  /** A look found the live key gone while replicas were still listed: the next look decides (see #look). */
  #doubted = false;

  constructor(service: string, transport: Transport, durable: boolean | 'auto') {
    // without a Redis client there is no stream: such requests went over pub/sub without a word
    if (durable === true && !transport.cache) throw needsRedis();
    this.#transport = transport;
    this.#durable = durable;
    this.#keys = serviceKeys(service);
  }

  /** Send through the stream? undefined when it is time to look it up again. */
  usedNow(): boolean | undefined {
    if (this.#durable === false || !this.#transport.cache) return false;
    if (this.#durable === true) return true;
    return monotonicMs() - this.#checkedAt < REPLICA_CHECK_MS ? this.#replicated : undefined;
  }

  /**
   * Send through the stream? Looked up when the last look is older than 2 s, or than 250 ms for
   * a request nobody received (`unreceived`); requests that ask at once share one look.
   */
  async used(unreceived = false): Promise<boolean> {
    const known = this.usedNow();
    if (known !== undefined && !(unreceived && this.#durable === 'auto' && monotonicMs() - this.#checkedAt >= UNRECEIVED_CHECK_MS))
      return known;
    this.#looking ??= this.#look().finally(() => (this.#looking = undefined));
    return this.#looking;
  }

  /**
   * The live key lasts three heartbeats: Redis paused or stalled for longer lets it expire, and a
   * look it answers as it wakes may come before the replicas' heartbeats set it again. Sent over
   * pub/sub meanwhile, durable requests were lost if the lease moved in that pause. So a look that
   * finds the key gone, after one that found it, while replicas are still listed (not left: the
   * last to leave takes itself off the list and the key with it), keeps the stream until the next
   * look (2 s later) finds the key gone too: a service whose every replica died is found so one
   * look later, its requests added to the stream meanwhile wait for a replica or their timeout.
   */
  async #look(): Promise<boolean> {
    const redis = this.#redis();
    const live = (await redis.exists(this.#keys.live)) === 1;
    const wasReplicated = this.#replicated;
    if (live || !wasReplicated || this.#doubted) {
      this.#replicated = live;
      this.#doubted = false;
    } else {
      this.#doubted = (await redis.zcard(this.#keys.replicas)) > 0;
      this.#replicated = this.#doubted;
    }
    this.#checkedAt = monotonicMs();
    return this.#replicated;
  }

  /** Add a message to the stream, with the time its caller waits for the reply, if any. */
  async add(message: string, timeoutMs?: number): Promise<void> {
    const redis = this.#redis();
    // the requests a caller sends in one turn leave in one write (one system call each was most
    // of a loaded caller's cost)
    this.#transport.coalesceCache?.();
    if (timeoutMs === undefined) await redis.xadd(this.#keys.requests, '*', 'm', message);
    else await redis.xadd(this.#keys.requests, '*', 'm', message, 't', String(timeoutMs));
  }

  #redis(): Redis {
    const client = this.#transport.cache?.();
    if (!client) throw needsRedis();
    return client;
  }
}

function needsRedis(): DaebusError {
  return new DaebusError(
    ErrorCodes.INVALID_OPTION,
    "new DaebusCaller(service, { durable: true }) needs the Redis transport (a redis option or REDIS_URL): the stream is in Redis. Leave durable out ('auto') for a caller on either.",
  );
}
