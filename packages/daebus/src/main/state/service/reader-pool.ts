import type { Redis } from 'ioredis';
import type { Logger } from '../../support/logger';
import { OutageNotice } from '../../support/outage-notice';

/** Blocking reads at once; more waiters wait for a free connection. */
export const MAX_READERS = 32;

/** Given a reader, or undefined when its wait ended first (its time passed, it left, the pool closed). */
type Waiter = (reader: Redis | undefined) => void;

/**
 * The connections the service-wide queues' blocking reads use: a blocked XREADGROUP holds its
 * connection until it returns, so each waiting get/receive needs one of its own. Up to
 * MAX_READERS are made on demand and kept; past that, waits queue here in order, each ending at
 * its own deadline even if no reader came free.
 */
export class ReaderPool {
  readonly #client: Redis;
  readonly #outages: OutageNotice;
  readonly #idle: Redis[] = [];
  readonly #all = new Set<Redis>();
  readonly #waiting = new Set<Waiter>();
  /** Each reader's connection id, for CLIENT UNBLOCK. */
  readonly #ids = new WeakMap<Redis, number>();
  #closed = false;

  constructor(client: Redis, log: Logger) {
    this.#client = client;
    this.#outages = new OutageNotice(log, 'Service-wide queue readers');
  }

  /**
   * A reader for one blocking read; undefined when `until` (a Date.now() time; none: no limit)
   * passes first or the wait is left: `onWait` is given the function that leaves it.
   */
  async acquire(until: number | undefined, onWait: (leave: () => void) => void): Promise<Redis | undefined> {
    if (this.#closed) return undefined;
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.size < MAX_READERS) return this.#open();
    return new Promise((resolve) => {
      const waiter: Waiter = (reader) => {
        clearTimeout(timer);
        resolve(reader);
      };
      const leave = (): void => {
        if (this.#waiting.delete(waiter)) waiter(undefined);
      };
      const timer = until === undefined ? undefined : setTimeout(leave, Math.max(0, until - Date.now()));
      this.#waiting.add(waiter);
      onWait(leave);
    });
  }

  /** The read is over: the reader goes to the oldest wait, or back to the idle ones. */
  release(reader: Redis): void {
    if (this.#closed || !this.#all.has(reader)) {
      reader.disconnect();
      return;
    }
    for (const next of this.#waiting) {
      this.#waiting.delete(next);
      next(reader);
      return;
    }
    this.#idle.push(reader);
  }

  /** The reader's connection id, asked again after a reconnect. */
  async knowId(reader: Redis): Promise<void> {
    if (!this.#ids.has(reader)) this.#ids.set(reader, Number(await reader.client('ID')));
  }

  /** End the blocked read of `reader` now (from another connection: the reader is busy in it); it returns no item. */
  unblock(reader: Redis): void {
    const id = this.#ids.get(reader);
    if (id !== undefined) void this.#client.client('UNBLOCK', id).catch(() => undefined);
  }

  /** Drop `reader` for good (its read overran: the connection may be stalled); its read fails, and a new one is made when needed. */
  discard(reader: Redis): void {
    this.#all.delete(reader);
    const idle = this.#idle.indexOf(reader);
    if (idle >= 0) this.#idle.splice(idle, 1);
    reader.disconnect();
  }

  /** Every wait ends with no reader, and every reader is disconnected, a busy one too (its read fails). */
  close(): void {
    this.#closed = true;
    for (const waiter of [...this.#waiting]) {
      this.#waiting.delete(waiter);
      waiter(undefined);
    }
    for (const reader of this.#all) reader.disconnect();
    this.#all.clear();
    this.#idle.length = 0;
  }

  async #open(): Promise<Redis> {
    const reader = this.#client.duplicate();
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
