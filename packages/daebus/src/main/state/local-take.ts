import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { Received } from '../../shared/state-ops';
import type { QueueReceiver } from './queue-core';

/** A received item not yet acknowledged or released: what goes back to its queue on a release. */
export interface HeldItem {
  queue: string;
  item: unknown;
  deliveries: number;
}

/**
 * A main-side get or receive waiting for its item. On the main side nothing can die apart from
 * the store: an item received stays held (`holds`) until its consumer acks or releases it.
 */
export class LocalTake implements QueueReceiver {
  readonly #resolve: (value: unknown) => void;
  /** Given for a receive: holds the item, and names its receipt. */
  readonly #hold: ((item: unknown, deliveries: number) => number) | undefined;

  constructor(resolve: (value: unknown) => void, hold?: (item: unknown, deliveries: number) => number) {
    this.#resolve = resolve;
    this.#hold = hold;
  }

  alive(): boolean {
    return true;
  }

  deliver(item: unknown, deliveries: number): boolean {
    if (this.#hold === undefined) this.#resolve(item);
    else {
      // the consumer gets a copy: a release puts back the item as it was received, whatever the handler did to its own
      const receipt = this.#hold(item, deliveries);
      this.#resolve({ item: structuredClone(item), deliveries, receipt } satisfies Received);
    }
    return true;
  }

  timedOut(): void {
    this.#resolve(undefined);
  }
}

/** The items main-side receives took and have not acknowledged or released, by receipt. */
export class LocalHolds {
  readonly #held = new Map<number, HeldItem>();
  #next = 1;

  hold(queue: string, item: unknown, deliveries: number): number {
    const receipt = this.#next++;
    this.#held.set(receipt, { queue, item, deliveries });
    return receipt;
  }

  /** The item held as `receipt`, which is held no more; INVALID_ARGUMENT when none is. */
  take(queue: string, receipt: number | string): HeldItem {
    const held = this.#held.get(Number(receipt));
    if (held?.queue !== queue) throw notHeld(queue);
    this.#held.delete(Number(receipt));
    return held;
  }
}

/** An ack or release of an item that is not held (any more) where it was named. */
export function notHeld(queue: string): DaebusError {
  return new DaebusError(
    ErrorCodes.INVALID_ARGUMENT,
    `queue "${queue}": this item was acknowledged or released already, or was never received here.`,
  );
}
