import { isReserved } from '../../shared/protocol/builtin-actions';

/**
 * How many handlers of one action run at once, and how many requests may wait for a slot: past
 * both, a request is turned away (BUSY) instead of growing memory without bound. The waiting
 * line is first in, first out.
 *
 * A task holds its slot until it calls `release()`: a callback rather than a returned promise,
 * so that a handler that answers synchronously costs no promise here.
 */
export class Bulkhead {
  readonly limit: number;
  readonly maxQueued: number;
  #running = 0;
  #starting = false;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number, maxQueued: number) {
    this.limit = limit;
    this.maxQueued = maxQueued;
  }

  get running(): number {
    return this.#running;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  /**
   * Run `task` now, or when a slot frees; false when every slot and the waiting line are full
   * (it never runs). The task must call `release()` exactly once, when it is done.
   */
  offer(task: () => void): boolean {
    if (this.#running < this.limit) {
      this.#running += 1;
      task();
      return true;
    }
    if (this.#waiting.length >= this.maxQueued) return false;
    this.#waiting.push(task);
    return true;
  }

  /** A task is done: its slot goes to the first one waiting. */
  release(): void {
    this.#running -= 1;
    // a task that finishes at once releases from inside this loop: one loop, not a deep stack
    if (this.#starting) return;
    this.#starting = true;
    try {
      while (this.#running < this.limit && this.#waiting.length > 0) {
        this.#running += 1;
        (this.#waiting.shift() as () => void)();
      }
    } finally {
      this.#starting = false;
    }
  }
}

/** The free slots of the service's own actions (the built-in ones have theirs apart). */
export function freeSlots(actions: ReadonlyMap<string, { readonly bulkhead: Bulkhead }>): number {
  let free = 0;
  for (const [name, { bulkhead }] of actions)
    if (!isReserved(name)) free += Math.max(0, bulkhead.limit - bulkhead.running - bulkhead.queued);
  return free;
}
