/**
 * How many handlers of one action run at once, and how many requests may wait for a slot: past
 * both, a request is turned away (BUSY) instead of growing memory without bound. The waiting
 * line is first in, first out.
 */
export class Bulkhead {
  readonly limit: number;
  readonly maxQueued: number;
  #running = 0;
  readonly #waiting: (() => Promise<void>)[] = [];

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

  /** Run `task` now, or when a slot frees; false when every slot and the waiting line are full (it never runs). */
  offer(task: () => Promise<void>): boolean {
    if (this.#running < this.limit) {
      this.#start(task);
      return true;
    }
    if (this.#waiting.length >= this.maxQueued) return false;
    this.#waiting.push(task);
    return true;
  }

  #start(task: () => Promise<void>): void {
    this.#running += 1;
    void task().finally(() => {
      this.#running -= 1;
      const next = this.#waiting.shift();
      if (next) this.#start(next);
    });
  }
}
