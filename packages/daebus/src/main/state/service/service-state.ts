import type { Redis } from 'ioredis';
import { DaebusError, ErrorCodes, toPlainError } from '../../../shared/errors';
import type { StateCall, StructureKind } from '../../../shared/state-ops';
import { serviceKeys, type ServiceKeys } from '../../replicas/keys';
import { untilDropped, whenReady } from '../../support/redis-ready';
import type { Logger } from '../../support/logger';
import { checkKey, decodeEntries, decodeValue, encodeValue } from './json-values';
import { stateScripts, type StateScripts } from './scripts';
import { ServiceQueues } from './service-queue';
import type { PendingTake } from './queue-entries';
import { stateFailure } from './state-failure';
import { warnOfEviction } from '../../replicas/eviction-policy';

/** A service-wide list's cap as this process declared it: `explicit` when its `max` was given, not the default. */
export interface ListCap {
  max: number;
  explicit: boolean;
}

/**
 * The service-wide structures of a running service, in Redis: a map is a hash, a capped list a
 * list trimmed in the same step as each append, a queue a stream read by one consumer group (see
 * ServiceQueues). Values are JSON. Every operation is one Redis command or script, so
 * `increment` and `merge` are atomic across replicas.
 */
export class ServiceState {
  readonly queues: ServiceQueues;
  readonly #client: Redis;
  readonly #keys: ServiceKeys;
  readonly #scripts: StateScripts;

  /** Where Redis is, to look at its eviction policy at the first operation; undefined once looked (or told at start). */
  #evictionUnchecked: string | undefined;
  readonly #log: Logger;

  constructor(init: { client: Redis; service: string; consumer: string; visibilityMs: number; log: Logger; checkEviction?: string }) {
    this.#client = init.client;
    this.#log = init.log;
    this.#evictionUnchecked = init.checkEviction;
    this.#keys = serviceKeys(init.service);
    this.#scripts = stateScripts(init.client);
    this.queues = new ServiceQueues({ ...init, scripts: this.#scripts });
  }

  /** Apply any call but a queue's get and receive (served by `take`); with Redis down, fail after a short grace. */
  async exec(call: StateCall, cap?: ListCap): Promise<unknown> {
    // renewed no more from now: if Redis never gets the ack or release, the item is delivered again after visibilityTimeoutMs
    if (call.kind === 'queue' && (call.op === 'ack' || call.op === 'release')) this.queues.letGo(call.name, String(call.receipt));
    this.#lookAtEviction();
    try {
      await whenReady(this.#client);
      return await untilDropped(this.#client, this.#apply(call, cap));
    } catch (err) {
      throw stateFailure(`${call.kind} "${call.name}"`, err);
    }
  }

  /** A queue's get or receive: it waits for an item (see `ServiceQueues.take`). */
  take(name: string, timeoutMs: number, mode: 'get' | 'receive', left?: () => boolean): PendingTake {
    this.#lookAtEviction();
    return this.queues.take(name, timeoutMs, mode, left);
  }

  /** A queue's join: it waits for every item put to be done (see `ServiceQueues.join`). */
  join(name: string, timeoutMs: number, onCancel?: (cancel: () => void) => void): Promise<boolean> {
    this.#lookAtEviction();
    return this.queues.join(name, timeoutMs, onCancel);
  }

  close(): void {
    this.queues.close();
  }

  /** At the first operation of any kind, say once whether Redis may evict the service's keys. */
  #lookAtEviction(): void {
    if (this.#evictionUnchecked === undefined) return;
    void warnOfEviction(this.#client, this.#evictionUnchecked, this.#log, false);
    this.#evictionUnchecked = undefined;
  }

  #apply(call: StateCall, cap: ListCap | undefined): Promise<unknown> {
    switch (call.kind) {
      case 'map':
        return this.#map(call);
      case 'list':
        return this.#list(call, cap ?? { max: Number.MAX_SAFE_INTEGER, explicit: false });
      case 'queue':
        return this.#queue(call);
    }
  }

  async #map(call: Extract<StateCall, { kind: 'map' }>): Promise<unknown> {
    const key = this.#key('map', call.name);
    const where = `map "${call.name}"`;
    if ('key' in call) checkKey(where, call.key);
    else if (call.op === 'merge') for (const field of Object.keys(call.entries)) checkKey(where, field);
    switch (call.op) {
      case 'get':
        return decodeValue(await this.#client.hget(key, call.key), 'key', call.key);
      case 'set':
        await this.#client.hset(key, call.key, encodeValue(call, call.value));
        return undefined;
      case 'delete':
        return (await this.#client.hdel(key, call.key)) > 0;
      case 'has':
        return (await this.#client.hexists(key, call.key)) === 1;
      case 'keys':
        return this.#client.hkeys(key);
      case 'size':
        return this.#client.hlen(key);
      case 'snapshot':
        return decodeEntries(await this.#client.hgetall(key));
      case 'increment':
        try {
          return Number(await this.#scripts.mapIncrement(key, call.key, String(call.by)));
        } catch (err) {
          // only Redis's refusal of the value there: a dropped connection is not the caller's argument
          const refusal = toPlainError(err).message;
          if (!/not a (valid )?float|NaN or Infinity/i.test(refusal)) throw err;
          const why = /NaN or Infinity/i.test(refusal)
            ? `by ${call.by} gives no finite number, which Redis refuses`
            : 'needs a number there';
          throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `${where}: increment("${call.key}") ${why}.`);
        }
      case 'merge': {
        const pairs = Object.entries(call.entries).flatMap(([field, value]) => [field, encodeValue(call, value, field)]);
        if (pairs.length > 0) await this.#client.hset(key, ...pairs);
        return undefined;
      }
      case 'clear':
        await this.#client.del(key);
        return undefined;
    }
  }

  async #list(call: Extract<StateCall, { kind: 'list' }>, cap: ListCap): Promise<unknown> {
    const key = this.#key('list', call.name);
    switch (call.op) {
      case 'append': {
        // appended and trimmed in one script: the list never holds more than max
        const text = encodeValue(call, call.item);
        const explicit = cap.explicit ? '1' : '0';
        try {
          return Number(await this.#scripts.listAppend(key, this.#keys.listMax(call.name), text, String(cap.max), explicit));
        } catch (err) {
          const stored = /DAEBUS_LIST_MAX (\d+)/.exec(toPlainError(err).message)?.[1];
          if (stored === undefined) throw err;
          throw new DaebusError(
            ErrorCodes.INVALID_OPTION,
            `list "${call.name}" has max ${stored}, as another process of the service declared it; this one declares max ${cap.max}. Give every process the same max.`,
          );
        }
      }
      case 'snapshot':
        return (await this.#client.lrange(key, 0, -1)).map((text, i) => decodeValue(text, 'index', i));
      case 'size':
        return this.#client.llen(key);
      case 'clear':
        await this.#client.del(key, this.#keys.listMax(call.name)); // its cap too: the next max given is the list's
        return undefined;
    }
  }

  async #queue(call: Extract<StateCall, { kind: 'queue' }>): Promise<unknown> {
    const queues = this.queues;
    switch (call.op) {
      case 'put':
        await queues.put(call.name, encodeValue(call, call.item));
        return undefined;
      case 'size':
        return queues.size(call.name);
      case 'snapshot':
        return queues.snapshot(call.name);
      case 'position': {
        const { predicate } = call as { predicate?: (item: unknown) => boolean };
        return queues.position(call.name, predicate ?? ((item) => (item as Record<string, unknown> | null)?.[call.key] === call.id));
      }
      case 'taskDone':
        await queues.taskDone(call.name);
        return undefined;
      case 'join':
        return queues.join(call.name, call.timeoutMs);
      case 'ack':
        await queues.ack(call.name, String(call.receipt));
        return undefined;
      case 'release':
        await queues.release(call.name, String(call.receipt));
        return undefined;
      case 'get':
      case 'receive':
        throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `queue "${call.name}": ${call.op} waits; it is served by take().`);
    }
  }

  #key(kind: StructureKind, name: string): string {
    return this.#keys.structure(kind, name);
  }
}
