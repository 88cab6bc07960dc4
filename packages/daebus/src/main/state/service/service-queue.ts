import type { Redis } from 'ioredis';
import { toPlainError } from '../../../shared/errors';
import { MAX_TIMEOUT_MS } from '../../../shared/validate';
import { serviceKeys, type ServiceKeys } from '../../replicas/keys';
import type { Logger } from '../../support/logger';
import { ConsumerGroups, GROUP } from './consumer-groups';
import { entryFields, toTaken, type Entry, type Taken, type TakeWait, type PendingTake } from './queue-entries';
import { decodedOr, idleEntries, notJsonEntryLine, takenBackLine, undelivered, undeliveredCount } from './queue-reads';
import { untilDropped, whenReady } from '../../support/redis-ready';
import { leaveGroup, pruneGroup } from '../../support/stream-groups';
import { Upkeep } from '../../support/upkeep';
import { ReaderPool } from './reader-pool';
import type { StateScripts } from './scripts';
import { pollJoin } from './poll-join';
import { takeOverrun } from './take-overrun';
import { overDone, stateFailure } from './state-failure';
import { monotonicMs } from '../../../shared/clock';

export type { Taken } from './queue-entries';

/** How often a get/receive that found every reader busy looks for an item without blocking. */
const POLL_MS = 100;

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
  readonly #readers: ReaderPool;
  /** How each get/receive in progress ends at once with no item (the service stopped). */
  readonly #ends = new Set<() => void>();
  /** Items received here and not acknowledged, by queue. */
  readonly #held = new Map<string, Set<string>>();
  readonly #upkeep: Upkeep;
  #closed = false;

  constructor(init: { client: Redis; service: string; consumer: string; visibilityMs: number; log: Logger; scripts: StateScripts }) {
    this.#client = init.client;
    this.#scripts = init.scripts;
    this.#keys = serviceKeys(init.service);
    this.#consumer = init.consumer;
    this.#visibilityMs = init.visibilityMs;
    this.#log = init.log;
    this.#groups = new ConsumerGroups(init.client, (name) => this.key(name));
    this.#readers = new ReaderPool(init.client, init.log);
    this.#upkeep = new Upkeep(init.client, (err) => {
      // during an outage the transport and the readers report it once; each tick would again
      if (this.#client.status === 'ready') this.#log.warn(`Service-wide queue upkeep failed: ${toPlainError(err).message}`);
    });
    this.#upkeep.every(Math.max(50, this.#visibilityMs / 3), () => this.#keepAlive());
    this.#upkeep.every(Math.max(100, this.#visibilityMs / 2), () => this.#reclaim());
  }

  key(name: string): string {
    return this.#keys.structure('queue', name);
  }

  async put(name: string, text: string): Promise<void> {
    await this.#groups.ensure(name);
    await this.#scripts.queuePut(this.key(name), this.#keys.unfinished(name), text);
  }

  /**
   * Wait up to `timeoutMs` for the oldest item (from the call, even while it waits for a free
   * reader); `cancel` ends the wait with undefined, as does the service's stop.
   */
  take(name: string, timeoutMs: number, mode: 'get' | 'receive', left?: () => boolean): PendingTake {
    const wait: TakeWait = { until: monotonicMs() + timeoutMs, cancelled: false, left };
    const cancel = (): void => {
      wait.cancelled = true;
      if (wait.reader) this.#readers.unblock(wait.reader);
    };
    const result = new Promise<Taken | undefined>((resolve, reject) => {
      // the service stopped: the wait ends with no item (its reader is cut off: not the caller's error)
      const end = (): void => {
        wait.cancelled = true;
        resolve(undefined);
      };
      this.#ends.add(end);
      // an item the read takes after this goes back (wait.cancelled), or, its reader dropped, is
      // delivered again after visibilityTimeoutMs
      const stopOverrun = takeOverrun(this.#client, name, timeoutMs, (err) => {
        const reader = wait.reader;
        cancel();
        if (reader) this.#readers.discard(reader);
        reject(err);
      });
      void untilDropped(this.#client, this.#take(name, timeoutMs, mode, wait))
        .then(resolve, (err: unknown) => {
          // cancelled first: no item (see ReaderPool.unblock); either way its reader goes, or ioredis resends its read once back
          if (this.#closed || wait.cancelled) resolve(undefined);
          else reject(stateFailure(`queue "${name}"`, err));
          wait.cancelled = true;
          if (wait.reader) this.#readers.discard(wait.reader);
        })
        .finally(() => {
          stopOverrun?.();
          this.#ends.delete(end);
        });
    });
    return { result, cancel };
  }

  async #take(name: string, timeoutMs: number, mode: 'get' | 'receive', wait: TakeWait): Promise<Taken | undefined> {
    // Redis down: fail after the grace, before a new reader would wait out ioredis's retries
    await whenReady(this.#client);
    // an item there now needs no reader of its own: taken at once, even while every reader is busy
    const now = await this.#readOne(name, this.#client, mode, wait, undefined);
    if (now !== undefined || timeoutMs <= 0) return now;
    const until = timeoutMs > MAX_TIMEOUT_MS ? undefined : wait.until;
    for (;;) {
      if (wait.cancelled || (until !== undefined && monotonicMs() >= until)) return undefined;
      const reader = await this.#readers.acquire();
      if (reader) {
        wait.reader = reader;
        try {
          // none: its time is up, or the item it read was another's by then (see #readOne)
          const got = await this.#readOne(name, reader, mode, wait, until ?? 0);
          if (got !== undefined) return got;
        } finally {
          wait.reader = undefined;
          this.#readers.release(reader);
        }
        continue;
      }
      // every reader is busy (waiting on other queues, perhaps): look without blocking, every POLL_MS
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(POLL_MS, (until ?? Infinity) - monotonicMs()))));
      const polled = await this.#readOne(name, this.#client, mode, wait, undefined);
      if (polled !== undefined) return polled;
    }
  }

  /** One read of the oldest item, on `connection`: blocking until `until` (0: for ever) given one, else not. */
  async #readOne(name: string, connection: Redis, mode: 'get' | 'receive', wait: TakeWait, until: number | undefined) {
    if (wait.cancelled) return undefined;
    await whenReady(connection);
    let sentAt = monotonicMs();
    const read = await this.#groups.with(name, async () => {
      if (until !== undefined) await this.#readers.knowId(connection);
      if (wait.cancelled) return null; // left before a read made again
      const block = until === undefined ? [] : ['BLOCK', until === 0 ? 0 : Math.max(1, Math.ceil(until - monotonicMs()))];
      sentAt = monotonicMs();
      // not bounded here (the caller's wait is, by untilDropped): a read ioredis sends again after a
      // reconnect may take an item, which then goes back (wait.cancelled), and the reader is held until it ends
      return (await connection.call('XREADGROUP', 'GROUP', GROUP, this.#consumer, 'COUNT', 1, ...block, 'STREAMS', this.key(name), '>')) as
        [string, Entry[]][] | null;
    });
    const entry = read?.[0]?.[1]?.[0];
    const taken = entry?.[1] ? await this.#decoded(name, entry) : undefined;
    if (taken === undefined) return undefined;
    // answered past half the visibility timeout (this process stopped, or its event loop was held):
    // another replica may have taken the item over meanwhile; what it holds is renewed from here on
    const late = monotonicMs() - sentAt > this.#visibilityMs / 2;
    if (mode === 'receive' && late && (await this.#own(name, taken.receipt)) === 0) return undefined;
    if (wait.cancelled || wait.left?.() === true) {
      wait.cancelled = true; // no read again for it
      await this.handBack(name, taken); // the waiter left (or no one reads its handler's answer) while the item was on its way
      return undefined;
    }
    if (mode === 'receive') this.#hold(name).add(taken.receipt);
    else {
      // taken for good only while still pending: one a replica took over and delivered meanwhile is not ours
      if ((await this.#done(name, taken.receipt, false)) === 0 && late) return undefined;
      // the waiter left while the item was being taken for good (Redis stalled past its timeout): back at the tail
      if (wait.cancelled) {
        await this.#client.xadd(this.key(name), '*', ...entryFields(taken));
        return undefined;
      }
    }
    return taken;
  }

  /** The consumer is done with a received item: it leaves the queue, and counts as done (join) unless `counts` is false (a get's). */
  async ack(name: string, receipt: string, counts = true): Promise<void> {
    this.#hold(name).delete(receipt);
    await this.#done(name, receipt, counts);
  }

  /** Renew `receipt` no more: unless settled, it is reclaimed after the visibility timeout. */
  letGo(name: string, receipt: string): void {
    this.#hold(name).delete(receipt);
  }

  /**
   * A received item given back unprocessed (`delivery.release()`): back at the tail, with its
   * delivery count, as the Redis copy holds it. One no longer pending (Redis lost it, or it was
   * delivered again after an earlier release failed) is not put back, and a warning says so.
   */
  async release(name: string, receipt: string): Promise<void> {
    this.letGo(name, receipt);
    const released = await this.#groups.with(name, () => this.#scripts.queueRelease(this.key(name), GROUP, receipt));
    if (released === 0)
      this.#log.warn(`Queue "${name}": a released item was not pending any more (lost, or delivered again); not put back`);
  }

  /**
   * An item its consumer will not finish (it died, or left): back at the tail, with its delivery
   * count, while still pending here. One another replica took over meanwhile (this process
   * stalled past the visibility timeout) is that replica's: a copy would deliver it twice.
   */
  async handBack(name: string, taken: Taken): Promise<void> {
    this.#hold(name).delete(taken.receipt);
    await this.#scripts.queueHandBack(this.key(name), GROUP, this.#consumer, taken.receipt, ...entryFields(taken)).catch((err: unknown) => {
      throw stateFailure(`queue "${name}"`, err);
    });
  }

  /** Items not yet handed to any consumer. */
  size(name: string): Promise<number> {
    return this.#groups.with(name, () => undeliveredCount(this.#client, this.key(name)));
  }

  async snapshot(name: string): Promise<unknown[]> {
    return (await this.#undelivered(name)).map((entry) => toTaken(entry).item);
  }

  async position(name: string, match: (item: unknown) => boolean): Promise<number> {
    return (await this.#undelivered(name)).findIndex((entry) => match(toTaken(entry).item));
  }

  async taskDone(name: string): Promise<void> {
    // checked and counted in one step: two replicas' last taskDone() cannot both pass the check
    if ((await this.#scripts.queueTaskDone(this.#keys.unfinished(name))) < 0) throw overDone(name);
  }

  /** Wait until every item put was done; false at the timeout, when cancelled (`onCancel` is given how), or at the stop. */
  async join(name: string, timeoutMs: number, onCancel?: (cancel: () => void) => void): Promise<boolean> {
    if (this.#closed) return false;
    const wait = new AbortController();
    const end = (): void => wait.abort();
    this.#ends.add(end);
    onCancel?.(end);
    try {
      return await pollJoin(() => this.#client.get(this.#keys.unfinished(name)), monotonicMs() + timeoutMs, wait.signal);
    } finally {
      this.#ends.delete(end);
    }
  }

  async clearAll(name: string): Promise<void> {
    await this.#client.del(this.key(name), this.#keys.unfinished(name));
    this.#groups.forget(name);
  }

  close(): void {
    this.#closed = true;
    this.#upkeep.stop();
    for (const end of [...this.#ends]) end();
    this.#readers.close();
    // sent before the transport's QUIT, not awaited: a consumer left listed is no matter
    if (this.#client.status === 'ready')
      for (const name of this.#groups.names()) void leaveGroup(this.#client, this.key(name), GROUP, this.#consumer);
  }

  #undelivered(name: string): Promise<Entry[]> {
    return this.#groups.with(name, () => undelivered(this.#client, this.key(name)));
  }

  /** The item `entry` holds. One that is not JSON (another program wrote it) would block the queue for good: removed, and said. */
  #decoded(name: string, entry: Entry): Promise<Taken | undefined> {
    return decodedOr(entry, async (err) => {
      this.#log.error(notJsonEntryLine(name, entry, err));
      await this.#done(name, entry[0], false);
    });
  }

  /** 1 when `receipt` was still pending (here or under a replica that took it over), else 0. */
  #done(name: string, receipt: string, counts: boolean): Promise<number> {
    return this.#groups.with(name, () =>
      this.#scripts.queueDone(this.key(name), this.#keys.unfinished(name), GROUP, receipt, counts ? '1' : '0'),
    );
  }

  #own(name: string, receipt: string): Promise<number> {
    return this.#groups.with(name, () => this.#scripts.queueOwn(this.key(name), GROUP, this.#consumer, receipt));
  }

  #hold(name: string): Set<string> {
    let held = this.#held.get(name);
    if (!held) this.#held.set(name, (held = new Set()));
    return held;
  }

  async #keepAlive(): Promise<void> {
    for (const [name, held] of this.#held) {
      if (held.size > 0)
        await this.#groups.with(name, () => this.#client.xclaim(this.key(name), GROUP, this.#consumer, 0, ...held, 'JUSTID'));
    }
  }

  /** Items held by a consumer that stopped renewing them (its process died, or it stalled): back to the queue. */
  async #reclaim(): Promise<void> {
    for (const name of [...this.#groups.names()]) {
      const claim = (cursor: string): Promise<unknown> =>
        this.#groups.with(name, () =>
          this.#client.xautoclaim(this.key(name), GROUP, this.#consumer, this.#visibilityMs, cursor, 'COUNT', 100),
        );
      for await (const entry of idleEntries(claim)) {
        const taken = !entry[1] || this.#hold(name).has(entry[0]) ? undefined : await this.#decoded(name, entry);
        if (taken === undefined) continue;
        this.#log.warn(takenBackLine(name, taken, this.#visibilityMs));
        await this.handBack(name, taken);
      }
      // the processes that died and whose items are back in the queue are listed no more
      await this.#groups.with(name, () => pruneGroup(this.#client, this.key(name), GROUP, this.#consumer, this.#visibilityMs));
    }
  }
}
