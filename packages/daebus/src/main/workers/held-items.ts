import { emptyInPlace } from '../../shared/arrays';

/** A queue item handed to a worker and not yet let go. */
export interface HeldItem {
  queue: string;
  item: unknown;
  deliveries: number;
}

interface Entry extends HeldItem {
  /** Order of hand-out: what comes back goes back in that order. */
  seq: number;
}

/**
 * The queue items one worker was handed and has not let go: an item of `get` until the worker
 * confirms it arrived, an item of `receive` until its consumer acknowledges it. What is still
 * here when the worker dies goes back to the front of its queue.
 *
 * A thread confirms the items of `get` by counting them in its shared flags (`receipts()`): the
 * items reach it in the order they were sent, so the first `receipts()` items sent are the ones
 * it has. A worker without that count (a pooled call) confirms each with an `ack` message.
 */
export class HeldItems {
  readonly #receipts: (() => number) | undefined;
  /** Items of `get` sent to a counting worker, oldest first, not yet covered by its count. */
  #counted: Entry[] = [];
  /** How many items of `get` the count covered when `#counted` was last trimmed (int32, as the count). */
  #covered = 0;
  /** Items held until an `ack` (message or call), by call id. */
  readonly #byId = new Map<number, Entry>();
  #seq = 0;

  constructor(receipts?: () => number) {
    this.#receipts = receipts;
  }

  /** Item `item` went to the worker as the answer to call `id`; `untilAck`: an item of `receive`. */
  sent(id: number, held: HeldItem, untilAck: boolean): void {
    const entry: Entry = { queue: held.queue, item: held.item, deliveries: held.deliveries, seq: this.#seq++ };
    if (untilAck || this.#receipts === undefined) {
      this.#byId.set(id, entry);
      return;
    }
    this.#trim();
    this.#counted.push(entry);
  }

  /** Let go of the item sent as the answer to call `id`: it, or undefined when nothing was held for it. */
  take(id: number): HeldItem | undefined {
    const entry = this.#byId.get(id);
    this.#byId.delete(id);
    return entry;
  }

  /** Everything still held, in the order it was handed out; nothing is held afterwards. */
  takeAll(): HeldItem[] {
    this.#trim();
    const all = [...this.#counted, ...this.#byId.values()].sort((a, b) => a.seq - b.seq);
    this.#counted = [];
    this.#byId.clear();
    return all;
  }

  #trim(): void {
    if (this.#counted.length === 0 || this.#receipts === undefined) return;
    const received = this.#receipts();
    let drop = 0;
    // int32 arithmetic: the count wraps after 2^31 items, the difference does not
    while (drop < this.#counted.length && ((received - this.#covered) | 0) > 0) {
      drop++;
      this.#covered = (this.#covered + 1) | 0;
    }
    // in place: in a steady hand-off every item sent finds the one before it counted
    if (drop === this.#counted.length) emptyInPlace(this.#counted);
    else if (drop > 0) this.#counted.splice(0, drop);
  }
}
