import type { Redis } from 'ioredis';
import type { Logger } from '../../support/logger';
import { OutageNotice } from '../../support/outage-notice';
import { quietFailoverDetector } from '../../transport/redis-connect';

/** Blocking reads at once; past that, a get/receive polls without blocking (see ServiceQueues). */
export const MAX_READERS = 32;

/**
 * The connections the service-wide queues' blocking reads use: a blocked XREADGROUP holds its
 * connection until it returns, so each waiting get/receive needs one of its own. Up to
 * MAX_READERS are made on demand and kept; past that, a get/receive looks for its item without
 * blocking, every little while, until a reader is free (see ServiceQueues).
 */
export class ReaderPool {
  readonly #client: Redis;
  readonly #outages: OutageNotice;
  readonly #idle: Redis[] = [];
  readonly #all = new Set<Redis>();
  /** Each reader's connection id, for CLIENT UNBLOCK. */
  readonly #ids = new WeakMap<Redis, number>();
  #closed = false;

  constructor(client: Redis, log: Logger) {
    this.#client = client;
    this.#outages = new OutageNotice(log, 'Service-wide queue readers');
  }

  /** A reader for one blocking read; undefined when all MAX_READERS are busy, or the pool is closed. */
  async acquire(): Promise<Redis | undefined> {
    if (this.#closed) return undefined;
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size < MAX_READERS) return this.#open();
    return undefined;
  }

  /** The read is over: the reader is idle again. */
  release(reader: Redis): void {
    if (this.#closed || !this.#all.has(reader)) {
      reader.disconnect();
      return;
    }
    this.#idle.push(reader);
  }

  /** The reader's connection id, asked again after a reconnect. */
  async knowId(reader: Redis): Promise<void> {
    if (!this.#ids.has(reader)) this.#ids.set(reader, Number(await reader.client('ID')));
  }

  /**
   * End the blocked read of `reader` now (from another connection: the reader is busy in it); it
   * returns no item. A reader whose id is not known is dropped instead, its read failing: after a
   * reconnect ioredis sends the read again by itself, which CLIENT UNBLOCK then cannot name, and
   * which would block until its timeout (for ever with none) and take an item for no one.
   */
  unblock(reader: Redis): void {
    const id = this.#ids.get(reader);
    if (id === undefined) this.discard(reader);
    else void this.#client.client('UNBLOCK', id).catch(() => undefined);
  }

  /** Drop `reader` for good (its read overran: the connection may be stalled); its read fails, and a new one is made when needed. */
  discard(reader: Redis): void {
    this.#all.delete(reader);
    const idle = this.#idle.indexOf(reader);
    if (idle >= 0) this.#idle.splice(idle, 1);
    reader.disconnect();
  }

  /** Every reader is disconnected, a busy one too (its read fails). */
  close(): void {
    this.#closed = true;
    for (const reader of this.#all) reader.disconnect();
    this.#all.clear();
    this.#idle.length = 0;
  }

  async #open(): Promise<Redis> {
    const reader = this.#client.duplicate();
    quietFailoverDetector(reader);
    this.#all.add(reader);
    this.#outages.watch(reader);
    // a reconnect gives it another id: CLIENT UNBLOCK must never name a stranger's
    reader.on('close', () => this.#ids.delete(reader));
    try {
      await this.knowId(reader);
    } catch (err) {
      // not kept half-made: its slot is free again, and it stops trying to reconnect
      this.#all.delete(reader);
      reader.disconnect();
      throw err;
    }
    return reader;
  }
}
