import type { Accepted } from './accepted';

/** How much reply text (UTF-16 units) may wait for the transport's publish without holding its handlers' slots. */
const UNSLOTTED_CHARS = 32 * 1024 * 1024;

/**
 * Final replies handed to the transport whose handlers are done. Such a request gives its action's
 * slot to the next one at once, not once Redis answers the publish: holding it, a burst of quick
 * requests was turned away (BUSY) past `concurrency + maxQueued` while nothing ran. What waits
 * that way is bounded by its size; past that, a request keeps its slot until its reply is out.
 */
export class WaitingReplies {
  #chars = 0;

  /** True when `accepted`, whose final reply now publishes, gives its slot back. */
  freesSlot(accepted: Accepted): boolean {
    const length = accepted.response.finalLength;
    if (this.#chars + length > UNSLOTTED_CHARS) return false;
    accepted.unslotted = length;
    this.#chars += length;
    return true;
  }

  /** Its reply went out (or failed to): true when it had given its slot back already. */
  published(accepted: Accepted): boolean {
    if (accepted.unslotted < 0) return false;
    this.#chars -= accepted.unslotted;
    accepted.unslotted = -1;
    return true;
  }
}
