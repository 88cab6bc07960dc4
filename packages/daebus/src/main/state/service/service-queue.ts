import type { Redis } from 'ioredis';
import { toPlainError } from '../../../shared/errors';
import { MAX_TIMEOUT_MS } from '../../../shared/validate';
import { serviceKeys, type ServiceKeys } from '../../replicas/keys';
import type { Logger } from '../../support/logger';
import { ConsumerGroups, GROUP } from './consumer-groups';
import { decodeValue } from './json-values';
import { OutageNotice } from '../../support/outage-notice';
import { whenReady } from '../../support/redis-ready';
import type { StateScripts } from './scripts';
import { stateFailure } from './state-failure';
/** Blocking reads at once; more waiters wait for a free connection. */
const MAX_READERS = 32;

/** An item taken from a service-wide queue: its value, its delivery count, and the entry that holds it. */
export interface Taken {
  item: unknown;
  deliveries: number;
  receipt: string;
}

type Entry = [id: string, fields: string[] | null];

/**
 * The service-wide queues (Redis Streams, one consumer group): an item goes to one consumer
 * among every replica. `get` takes it for good at once (at-most-once); `receive` keeps it pending
 * under this process until `ack`, its idle time reset while it is held, so that only the items of
 * a process that died grow idle past the visibility timeout; those are put back at the tail, with
 * their delivery count, for any consumer. Each waiting `get`/`receive` blocks on a connection of
 * its own, from a small pool. A group Redis lost (it restarted empty) is made again on first need.
 */
export class ServiceQueues {
  readonly #client: Redis;
  readonly #keys: ServiceKeys;
  readonly #consumer: string;
  readonly #visibilityMs: number;
  readonly #log: Logger;
  readonly #scripts: StateScripts;
  readonly #groups: ConsumerGroups;
  readonly #outages: OutageNotice;
  readonly #idle: Redis[] = [];
  readonly #waiting: ((reader: Redis) => void)[] = [];
  /** Items received here and not acknowledged, by queue. */
  readonly #held = new Map<string, Set<string>>();
  #readers = 0;
  /** Each reader's connection id, for CLIENT UNBLOCK. */
  readonly #readerIds = new WeakMap<Redis, number>();
  #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(init: { client: Redis; service: string; consumer: string; visibilityMs: number; log: Logger; scripts: StateScripts }) {
    this.#client = init.client;
    this.#scripts = init.scripts;
    this.#keys = serviceKeys(init.service);
    this.#consumer = init.consumer;
    this.#visibilityMs = init.visibilityMs;
    this.#log = init.log;
    this.#groups = new ConsumerGroups(init.client, (name) => this.key(name));
    this.#outages = new OutageNotice(init.log, 'Service-wide queue readers');
    this.#every(Math.max(50, this.#visibilityMs / 3), () => this.#keepAlive());
    this.#every(Math.max(100, this.#visibilityMs / 2), () => this.#reclaim());
  }

  key(name: string): string {
    return this.#keys.structure('queue', name);
  }

  async put(name: string, text: string): Promise<void> {
    await this.#groups.ensure(name);
    await this.#scripts.queuePut(this.key(name), this.#keys.unfinished(name), text);
  }

  /** Wait up to `timeoutMs` for the oldest item; `cancel` ends the wait with undefined. */
  take(name: string, timeoutMs: number, mode: 'get' | 'receive'): { result: Promise<Taken | undefined>; cancel: () => void } {
    let cancelled = false;
    let reader: Redis | undefined;
    const cancel = (): void => {
      cancelled = true;
      const id = reader === undefined ? undefined : this.#readerIds.get(reader);
      // the reader is busy in its blocked read: another connection ends it
      if (id !== undefined) void this.#client.client('UNBLOCK', id).catch(() => undefined);
    };
    const result = (async (): Promise<Taken | undefined> => {
      // Redis down: fail after the grace, before a new reader would wait out ioredis's retries
      await whenReady(this.#client);
      const held = await this.#reader();
      reader = held;
      try {
        if (cancelled) return undefined;
        await whenReady(held);
        const until = Date.now() + timeoutMs;
        const read = await this.#groups.with(name, async () => {
          if (cancelled) return null; // left before a read made again
          await this.#knowId(held);
          const args = ['GROUP', GROUP, this.#consumer, 'COUNT', 1, ...blockFor(timeoutMs, until)];
          return (await held.call('XREADGROUP', ...args, 'STREAMS', this.key(name), '>')) as [string, Entry[]][] | null;
        });
        const entry = read?.[0]?.[1]?.[0];
        if (!entry?.[1]) return undefined;
        const taken = toTaken(entry);
        if (cancelled) {
          await this.handBack(name, taken); // the waiter left while the item was on its way
          return undefined;
        }
        if (mode === 'get') await this.#done(name, taken.receipt, false);
        else this.#hold(name).add(taken.receipt);
        return taken;
      } finally {
        this.#release(held);
      }
    })().catch((err: unknown) => {
      throw stateFailure(`queue "${name}"`, err);
    });
    return { result, cancel };
  }

  /** The consumer is done with a received item: it leaves the queue, and counts as done (join). */
  async ack(name: string, receipt: string): Promise<void> {
    this.#hold(name).delete(receipt);
    await this.#done(name, receipt, true);
  }

  /** An item its consumer will not finish (it died, or left): back at the tail, with its delivery count. */
  async handBack(name: string, taken: Taken): Promise<void> {
    this.#hold(name).delete(taken.receipt);
    await this.#client
      .multi()
      .xadd(this.key(name), '*', 'v', JSON.stringify(taken.item), 'd', String(taken.deliveries))
      .xack(this.key(name), GROUP, taken.receipt)
      .xdel(this.key(name), taken.receipt)
      .exec()
      .catch((err: unknown) => {
        throw stateFailure(`queue "${name}"`, err);
      });
  }

  /** Items not yet handed to any consumer. */
  async size(name: string): Promise<number> {
    return (await this.#undelivered(name)).length;
  }

  async snapshot(name: string): Promise<unknown[]> {
    return (await this.#undelivered(name)).map((entry) => toTaken(entry).item);
  }

  async position(name: string, match: (item: unknown) => boolean): Promise<number> {
    return (await this.#undelivered(name)).findIndex((entry) => match(toTaken(entry).item));
  }

  async taskDone(name: string): Promise<void> {
    await this.#client.decr(this.#keys.unfinished(name));
  }

  /** Wait until every item put was done (checked every 100 ms); false when `timeoutMs` passes first. */
  async join(name: string, timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (Number(await this.#client.get(this.#keys.unfinished(name))) <= 0) return true;
      if (Date.now() >= until || this.#closed) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100, until - Date.now())));
    }
  }

  async clearAll(name: string): Promise<void> {
    await this.#client.del(this.key(name), this.#keys.unfinished(name));
    this.#groups.forget(name);
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const reader of this.#idle.splice(0)) reader.disconnect();
  }

  async #undelivered(name: string): Promise<Entry[]> {
    const groups = await this.#groups.with(name, async () => (await this.#client.xinfo('GROUPS', this.key(name))) as unknown[][]);
    const ours = groups.map((g) => toRecord(g)).find((g) => g.name === GROUP);
    const last = String(ours?.['last-delivered-id'] ?? '0-0');
    return (await this.#client.xrange(this.key(name), `(${last}`, '+')) as Entry[];
  }

  async #done(name: string, receipt: string, counts: boolean): Promise<void> {
    await this.#groups.with(name, () =>
      this.#scripts.queueDone(this.key(name), this.#keys.unfinished(name), GROUP, receipt, counts ? '1' : '0'),
    );
  }

  #hold(name: string): Set<string> {
    let held = this.#held.get(name);
    if (!held) this.#held.set(name, (held = new Set()));
    return held;
  }

  async #reader(): Promise<Redis> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#readers < MAX_READERS) {
      this.#readers += 1;
      const reader = this.#client.duplicate();
      this.#outages.watch(reader);
      // a reconnect gives it another id: CLIENT UNBLOCK must never name a stranger's
      reader.on('close', () => this.#readerIds.delete(reader));
      try {
        await this.#knowId(reader);
      } catch (err) {
        // not kept half-made: its slot is free again, and it stops trying to reconnect
        this.#readers -= 1;
        reader.disconnect();
        throw err;
      }
      return reader;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** The reader's connection id, asked again after a reconnect. */
  async #knowId(reader: Redis): Promise<void> {
    if (!this.#readerIds.has(reader)) this.#readerIds.set(reader, Number(await reader.client('ID')));
  }

  #release(reader: Redis): void {
    const next = this.#waiting.shift();
    if (next) next(reader);
    else if (this.#closed) reader.disconnect();
    else this.#idle.push(reader);
  }

  async #keepAlive(): Promise<void> {
    for (const [name, held] of this.#held) {
      if (held.size > 0)
        await this.#groups.with(name, () => this.#client.xclaim(this.key(name), GROUP, this.#consumer, 0, ...held, 'JUSTID'));
    }
  }

  /** Items held by a consumer that stopped renewing them (its process died): back to the queue. */
  async #reclaim(): Promise<void> {
    for (const name of [...this.#groups.names()]) {
      const [, entries] = (await this.#groups.with(name, () =>
        this.#client.xautoclaim(this.key(name), GROUP, this.#consumer, this.#visibilityMs, '0-0', 'COUNT', 100),
      )) as [string, Entry[]];
      for (const entry of entries) {
        if (!entry[1] || this.#hold(name).has(entry[0])) continue;
        this.#log.warn(`Queue "${name}": an item held by a process that stopped is delivered again`);
        await this.handBack(name, toTaken(entry));
      }
    }
  }

  #every(ms: number, fn: () => Promise<void>): void {
    const timer = setInterval(() => {
      // during an outage the transport and the readers report it once; each tick would again
      if (this.#closed || this.#client.status !== 'ready') return;
      fn().catch((err: unknown) => {
        if (this.#client.status === 'ready') this.#log.warn(`Service-wide queue upkeep failed: ${toPlainError(err).message}`);
      });
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}

/** XREADGROUP's BLOCK for what is left of a wait until `until`: none for no wait, 0 (for ever) past the longest timeout. */
function blockFor(timeoutMs: number, until: number): (string | number)[] {
  if (timeoutMs <= 0) return [];
  return ['BLOCK', timeoutMs > MAX_TIMEOUT_MS ? 0 : Math.max(1, Math.ceil(until - Date.now()))];
}

function toTaken([id, fields]: Entry): Taken {
  const get = (name: string): string | undefined => {
    const list = fields ?? [];
    for (let i = 0; i < list.length - 1; i += 2) if (list[i] === name) return list[i + 1];
    return undefined;
  };
  return { item: decodeValue(get('v')), deliveries: Number(get('d') ?? 0) + 1, receipt: id };
}

function toRecord(pairs: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < pairs.length - 1; i += 2) out[String(pairs[i])] = pairs[i + 1];
  return out;
}
