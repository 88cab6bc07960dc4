import type { Redis } from 'ioredis';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { DurableHooks } from '../rpc/accepted';
import type { Logger } from '../support/logger';
import { Confirmations } from './confirmations';
import { REQUEST_GROUP, serviceKeys, type ServiceKeys } from './keys';
import type { ResolvedReplicaOptions } from './options';

/** Entries read from the stream at most at once. */
const READ_BATCH = 16;

/** A stream entry as ioredis returns it: its id and its fields as name, value, name, value... */
type Entry = [id: string, fields: string[] | null];

/** What the consumer hands requests to, and how it answers the ones it gives up on. */
export interface RequestSink {
  receiveDurable(raw: string, hooks: DurableHooks): void;
  /** Answer `raw` with `error` (a dead-lettered request). */
  refuse(raw: string, error: DaebusError): void;
}

/**
 * This replica's reader of the service's durable request stream, one consumer of the group all
 * replicas share (Redis Streams: XREADGROUP hands each entry to one consumer). An entry stays
 * pending under this consumer until its handler has answered (XACK); while it runs, its idle time
 * is reset, so that only the entries of a replica that stopped answering (it died) grow idle past
 * the visibility timeout, and are then claimed by another replica (XAUTOCLAIM) and run again.
 * An entry delivered more than `maxAttempts` times goes to the dead-letter stream.
 */
export class RequestConsumer {
  readonly #client: Redis;
  readonly #reader: Redis;
  readonly #keys: ServiceKeys;
  readonly #id: string;
  readonly #options: ResolvedReplicaOptions;
  readonly #sink: RequestSink;
  readonly #log: Logger;
  readonly #serverNow: () => number;
  readonly #confirmations: Confirmations;
  /** Entries handed to the dispatcher and not yet acknowledged or handed back. */
  readonly #held = new Set<string>();
  #reading = false;
  #loop?: Promise<void>;
  #readerId?: number;
  #slotFreed?: () => void;
  #timers: NodeJS.Timeout[] = [];

  constructor(init: {
    client: Redis;
    service: string;
    id: string;
    options: ResolvedReplicaOptions;
    sink: RequestSink;
    log: Logger;
    /** The Redis server's clock (ms), to tell expired requests. */
    serverNow: () => number;
    /** Joins the writes held back on `client` in this turn (the transport's joinHeldWrites). */
    joinHeldWrites?: (send: () => void) => boolean;
  }) {
    this.#client = init.client;
    // a blocking read holds its connection: the reader has one of its own
    this.#reader = init.client.duplicate();
    this.#keys = serviceKeys(init.service);
    this.#id = init.id;
    this.#options = init.options;
    this.#sink = init.sink;
    this.#log = init.log;
    this.#serverNow = init.serverNow;
    this.#confirmations = new Confirmations(init.client, this.#keys.requests, init.log, init.joinHeldWrites);
  }

  get held(): number {
    return this.#held.size;
  }

  async start(): Promise<void> {
    await this.#client.xgroup('CREATE', this.#keys.requests, REQUEST_GROUP, '0', 'MKSTREAM').catch((err: unknown) => {
      if (!/BUSYGROUP/.test(toPlainError(err).message)) throw err;
    });
    this.#readerId = Number(await this.#reader.client('ID'));
    this.#reading = true;
    this.#loop = this.#readLoop();
    const { visibilityTimeoutMs } = this.#options;
    this.#every(Math.max(50, visibilityTimeoutMs / 3), () => this.#keepAlive());
    this.#every(Math.max(100, visibilityTimeoutMs / 2), () => this.#reclaim());
  }

  /** Read no more entries; resolves once the last read has returned (what it read is delivered). */
  async stopReading(): Promise<void> {
    if (!this.#reading) return;
    this.#reading = false;
    this.#slotFreed?.();
    // a read blocked in Redis returns at once
    if (this.#readerId !== undefined) await this.#client.client('UNBLOCK', this.#readerId).catch(() => undefined);
    await this.#loop;
  }

  /**
   * After the drain: stop the timers, confirm what finished, close the reader. Entries still held
   * stay pending, for another replica.
   */
  async close(): Promise<void> {
    await this.stopReading();
    for (const timer of this.#timers) clearInterval(timer);
    await this.#confirmations.flush();
    this.#reader.disconnect();
  }

  async #readLoop(): Promise<void> {
    while (this.#reading) {
      const room = this.#options.maxInFlight - this.#held.size;
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.#slotFreed = resolve));
        continue;
      }
      try {
        // a few at a time, so that requests arriving together spread over the replicas
        const streams = (await this.#reader.xreadgroup(
          'GROUP',
          REQUEST_GROUP,
          this.#id,
          'COUNT',
          Math.min(room, READ_BATCH),
          'BLOCK',
          1_000,
          'STREAMS',
          this.#keys.requests,
          '>',
        )) as [string, Entry[]][] | null;
        for (const [, entries] of streams ?? []) for (const entry of entries) this.#deliver(entry, 1);
        // the replies of what was just delivered are written before the next read (they wait for
        // the end of this turn, see the transport), not after it: the read is not the reply's hurry
        if (streams) await new Promise(setImmediate);
      } catch (err) {
        if (!this.#reading) return;
        this.#log.warn(`Reading the request stream failed: ${toPlainError(err).message}; trying again in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  #deliver([entryId, fields]: Entry, attempt: number): void {
    if (fields === null || this.#held.has(entryId)) return; // deleted meanwhile, or running here already
    const raw = field(fields, 'm');
    const timeoutMs = Number(field(fields, 't'));
    if (raw === undefined) {
      this.#settle(entryId); // not a request of ours: never let it block the group
      return;
    }
    // a caller that gave up on the request (its timeout passed) gets no late run
    if (timeoutMs > 0 && Number(entryId.split('-')[0]) + timeoutMs < this.#serverNow()) {
      this.#settle(entryId);
      return;
    }
    if (attempt > this.#options.maxAttempts) {
      void this.#deadLetter(entryId, raw, attempt);
      return;
    }
    this.#held.add(entryId);
    this.#sink.receiveDurable(raw, {
      attempt,
      // once: the dispatcher says so when the reply goes out, and again when the request ends
      done: () => {
        if (this.#held.has(entryId)) this.#settle(entryId);
      },
      handBack: () => void this.#handBack(entryId, fields),
    });
  }

  /** The entry is done: it leaves the stream. */
  #settle(entryId: string): void {
    this.#release(entryId);
    this.#confirmations.add(entryId);
  }

  /** Not started here: appended again for any replica, and this delivery confirmed, in one step. */
  async #handBack(entryId: string, fields: string[]): Promise<void> {
    const again = withTimeLeft(entryId, fields, this.#serverNow());
    if (!again) {
      this.#settle(entryId); // its caller gave up meanwhile
      return;
    }
    this.#release(entryId);
    await this.#client
      .multi()
      .xadd(this.#keys.requests, '*', ...again)
      .xack(this.#keys.requests, REQUEST_GROUP, entryId)
      .xdel(this.#keys.requests, entryId)
      .exec()
      .catch((err: unknown) => this.#log.warn(`Could not hand request ${entryId} back: ${toPlainError(err).message}`));
  }

  async #deadLetter(entryId: string, raw: string, attempts: number): Promise<void> {
    const why = `every replica that took it stopped before answering (${attempts - 1} deliveries; maxAttempts ${this.#options.maxAttempts})`;
    this.#log.error(`Request ${entryId} goes to the dead-letter stream: ${why}`);
    await this.#client
      .multi()
      .xadd(this.#keys.dead, '*', 'm', raw, 'id', entryId, 'attempts', String(attempts - 1), 'at', String(Date.now()), 'reason', why)
      .xack(this.#keys.requests, REQUEST_GROUP, entryId)
      .xdel(this.#keys.requests, entryId)
      .exec()
      .catch((err: unknown) => this.#log.warn(`Could not dead-letter request ${entryId}: ${toPlainError(err).message}`));
    this.#sink.refuse(raw, new DaebusError(ErrorCodes.DEAD_LETTER, `The request was given up on: ${why}.`));
  }

  #release(entryId: string): void {
    this.#held.delete(entryId);
    this.#slotFreed?.();
    this.#slotFreed = undefined;
  }

  /** Reset the idle time of the entries running here (JUSTID: no new delivery is counted). */
  async #keepAlive(): Promise<void> {
    if (this.#held.size === 0) return;
    await this.#client.xclaim(this.#keys.requests, REQUEST_GROUP, this.#id, 0, ...this.#held, 'JUSTID');
  }

  /** Take over the entries of replicas that stopped answering for them. */
  async #reclaim(): Promise<void> {
    if (!this.#reading) return;
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.#client.xautoclaim(
        this.#keys.requests,
        REQUEST_GROUP,
        this.#id,
        this.#options.visibilityTimeoutMs,
        cursor,
        'COUNT',
        100,
      )) as [string, Entry[]];
      cursor = next;
      for (const entry of entries) {
        if (entry[1] === null || this.#held.has(entry[0])) continue;
        const [[, , , deliveries] = []] = (await this.#client.xpending(this.#keys.requests, REQUEST_GROUP, entry[0], entry[0], 1)) as [
          string,
          string,
          number,
          number,
        ][];
        this.#log.warn(`Took over request ${entry[0]} from a replica that stopped answering for it (delivery ${String(deliveries)})`);
        this.#deliver(entry, Number(deliveries ?? 2));
      }
    } while (cursor !== '0-0' && this.#reading);
  }

  #every(ms: number, fn: () => Promise<void>): void {
    const timer = setInterval(() => {
      fn().catch((err: unknown) => this.#log.warn(`Request stream upkeep failed: ${toPlainError(err).message}`));
    }, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/**
 * `fields` with the timeout `t` counted from now: appended again, an entry keeps its caller's
 * deadline rather than getting a new one. Undefined once that deadline passed.
 */
function withTimeLeft(entryId: string, fields: string[], now: number): string[] | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) {
    const timeoutMs = Number(fields[i + 1]);
    if (fields[i] !== 't' || !(timeoutMs > 0)) continue;
    const left = Number(entryId.split('-')[0]) + timeoutMs - now;
    if (left <= 0) return undefined;
    const kept = [...fields];
    kept[i + 1] = String(Math.ceil(left));
    return kept;
  }
  return fields;
}
