import { DeadlineTimer, type Deadline } from '../../shared/deadline-timer';
import { takeFirst } from '../../shared/arrays';
import { cloneOrThrow, nestsTooDeep, tooDeep } from '../../shared/cloneable';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { MAX_TIMEOUT_MS } from '../../shared/validate';

// a wait longer than the longest timer (or Infinity) has no timer: it ends with an item or a cancel

/** Who waits for an item: a worker's `get` over its connection, or a main-side `get`. */
export interface QueueReceiver {
  /** False once the receiver is gone: it is skipped. */
  alive(): boolean;
  /**
   * Hand the item over (`deliveries`: 1 the first time, more when it comes back after a consumer
   * died); false when the receiver could not take it, and the item stays queued.
   */
  deliver(item: unknown, deliveries: number): boolean;
  /** The wait ended with no item (its timeout, or a cancel). */
  timedOut(): void;
  /**
   * True when `deliver` copies the item as it sends it (a worker's port clones what it posts):
   * an item put on the main side goes to it as it is, with no copy of its own first. `deliver`
   * then throws NOT_CLONEABLE for an item that cannot be copied.
   */
  readonly copies?: boolean;
}

/** An item that was handed out before and came back: it carries its count. Fresh items are stored bare. */
class Redelivery {
  constructor(
    readonly item: unknown,
    readonly deliveries: number,
  ) {}
}

interface Waiter {
  receiver: QueueReceiver;
  deadline?: Deadline;
}

/**
 * A FIFO queue owned by the main thread. A `get` that finds it empty waits as a waiter: a `put`
 * hands its item straight to the longest-waiting live waiter, so there is no polling anywhere.
 * An item leaves the queue only when a waiter accepts it.
 */
export class QueueCore {
  readonly name: string;
  /** The waits' timeouts, on one timer shared by the store's queues (a timer per wait cost a hand-off 2-4 µs). */
  readonly #deadlines: DeadlineTimer;
  #items: unknown[] = [];
  #head = 0;
  #waiters: Waiter[] = [];
  #unfinished = 0;
  #joiners: { resolve: (done: boolean) => void; timer?: NodeJS.Timeout }[] = [];

  constructor(name: string, deadlines: DeadlineTimer = new DeadlineTimer()) {
    this.name = name;
    this.#deadlines = deadlines;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Items taken by a consumer and not yet marked done. */
  get inProgress(): number {
    return Math.max(0, this.#unfinished - this.size);
  }

  /**
   * Add `item`. `copy`: the caller keeps the item (a main-side put), so the queue makes its own
   * copy, only where one is needed: for the queue itself or a main-side waiter; a worker waiting
   * gets the item through its port, which copies it anyway. It throws for an item that cannot
   * be copied, and then nothing changed.
   */
  put(item: unknown, copy = false): void {
    if (!this.#handToWaiter(item, copy)) this.#items.push(copy ? this.#copy(item) : item);
    this.#unfinished += 1;
  }

  /** Put back an item whose consumer died before it was done with it (after `deliveries` deliveries): it is next again. */
  requeueFront(item: unknown, deliveries: number): void {
    const entry = new Redelivery(item, deliveries);
    if (this.#handToWaiter(entry, false)) return;
    if (this.#head > 0) this.#items[--this.#head] = entry;
    else this.#items.unshift(entry);
  }

  /**
   * Deliver the oldest item now, or wait up to `timeoutMs` for one (Infinity: no limit). Returns
   * a function that cancels the wait (the receiver's `timedOut` runs then).
   */
  take(timeoutMs: number, receiver: QueueReceiver): () => void {
    if (this.size > 0) {
      if (offer(receiver, this.#items[this.#head])) this.#shift();
      return noop;
    }
    if (timeoutMs <= 0) {
      receiver.timedOut();
      return noop;
    }
    const waiter: Waiter = { receiver };
    if (timeoutMs <= MAX_TIMEOUT_MS) {
      waiter.deadline = this.#deadlines.add(timeoutMs, () => {
        this.#removeWaiter(waiter);
        receiver.timedOut();
      });
    }
    this.#waiters.push(waiter);
    return () => {
      if (this.#removeWaiter(waiter)) receiver.timedOut();
    };
  }

  /** End the waits of the receivers `which` picks with no item (their `timedOut` runs), in the order they started. */
  endWaits(which: (receiver: QueueReceiver) => boolean): void {
    for (const waiter of this.#waiters.filter((w) => which(w.receiver))) {
      if (this.#removeWaiter(waiter)) waiter.receiver.timedOut();
    }
  }

  position(match: (item: unknown) => boolean): number {
    for (let i = this.#head; i < this.#items.length; i++) if (match(bare(this.#items[i]))) return i - this.#head;
    return -1;
  }

  taskDone(): void {
    if (this.#unfinished <= 0) {
      throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `queue "${this.name}": taskDone() called more times than items were put.`);
    }
    this.#unfinished -= 1;
    if (this.#unfinished === 0) {
      for (const joiner of this.#joiners.splice(0)) {
        clearTimeout(joiner.timer);
        joiner.resolve(true);
      }
    }
  }

  /** Wait until every item put was done; false at the timeout, or when the wait is cancelled (`onCancel` is given how). */
  join(timeoutMs: number, onCancel?: (cancel: () => void) => void): Promise<boolean> {
    if (this.#unfinished === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const joiner: { resolve: (done: boolean) => void; timer?: NodeJS.Timeout } = { resolve };
      const cancel = (): void => {
        clearTimeout(joiner.timer);
        this.#joiners = this.#joiners.filter((j) => j !== joiner);
        resolve(false);
      };
      if (timeoutMs <= MAX_TIMEOUT_MS) joiner.timer = setTimeout(cancel, timeoutMs);
      this.#joiners.push(joiner);
      onCancel?.(cancel);
    });
  }

  /** Every join still waiting ends with false (the service stopped). */
  endJoins(): void {
    for (const joiner of this.#joiners.splice(0)) {
      clearTimeout(joiner.timer);
      joiner.resolve(false);
    }
  }

  snapshot(): unknown[] {
    return this.#items.slice(this.#head).map(bare);
  }

  #handToWaiter(item: unknown, copy: boolean): boolean {
    while (this.#waiters.length > 0) {
      const waiter = this.#waiters[0] as Waiter;
      const { receiver } = waiter;
      const alive = receiver.alive();
      // a copy that throws leaves the waiter waiting, first in line
      const value = alive && copy ? this.#copyFor(receiver, item) : item;
      // the item's getters ran as it was copied: one that used this queue (a put) may have served this waiter
      if (this.#waiters[0] !== waiter) continue;
      takeFirst(this.#waiters);
      let taken: boolean;
      try {
        // out of line while its port copies the item (the getters run again): a put from one goes to the next waiter
        taken = alive && offer(receiver, value);
      } catch (err) {
        this.#waiters.unshift(waiter); // a port that cannot copy it: still first in line
        throw err;
      }
      if (waiter.deadline !== undefined) this.#deadlines.remove(waiter.deadline);
      if (taken) return true;
    }
    return false;
  }

  #copy(item: unknown): unknown {
    return cloneOrThrow(() => `queue "${this.name}": put(item)`, item);
  }

  /** A main-side put's item as `receiver` gets it: a copy, or for a thread (its port copies it) the item, refused as a copy would be. */
  #copyFor(receiver: QueueReceiver, item: unknown): unknown {
    if (receiver.copies !== true) return this.#copy(item);
    // the main thread's port copies deeper than the thread can read: it would drop the item unseen
    if (nestsTooDeep(item)) throw tooDeep(`queue "${this.name}"`, item);
    return item;
  }

  #shift(): void {
    this.#items[this.#head] = undefined;
    this.#head += 1;
    // compact once the dead prefix dominates, keeping shift O(1) amortized
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  #removeWaiter(waiter: Waiter): boolean {
    const index = this.#waiters.indexOf(waiter);
    if (index < 0) return false;
    this.#waiters.splice(index, 1);
    if (waiter.deadline !== undefined) this.#deadlines.remove(waiter.deadline);
    return true;
  }
}

function noop(): void {}

function offer(receiver: QueueReceiver, entry: unknown): boolean {
  return entry instanceof Redelivery ? receiver.deliver(entry.item, entry.deliveries + 1) : receiver.deliver(entry, 1);
}

function bare(entry: unknown): unknown {
  return entry instanceof Redelivery ? entry.item : entry;
}
