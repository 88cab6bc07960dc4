import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { Received } from '../../shared/state-ops';
import type { QueueReceiver } from './queue-core';

/**
 * A main-side get or receive waiting for its item. On the main side nothing can die apart from
 * the store: an item received is done when acked, and goes back when released. The store keeps
 * nothing of it: its delivery carries the item as taken, so one dropped unsettled is freed.
 */
export class LocalTake implements QueueReceiver {
  readonly #resolve: (value: unknown) => void;
  readonly #receive: boolean;

  constructor(resolve: (value: unknown) => void, receive: boolean) {
    this.#resolve = resolve;
    this.#receive = receive;
  }

  alive(): boolean {
    return true;
  }

  deliver(item: unknown, deliveries: number): boolean {
    // the consumer gets a copy: a release puts back the item as it was received, whatever the handler did to its own
    this.#resolve(this.#receive ? ({ item: structuredClone(item), deliveries, receipt: 0, original: item } satisfies Received) : item);
    return true;
  }

  timedOut(): void {
    this.#resolve(undefined);
  }
}

/** An ack or release of an item that is not held (any more) where it was named. */
export function notHeld(queue: string): DaebusError {
  return new DaebusError(
    ErrorCodes.INVALID_ARGUMENT,
    `queue "${queue}": this item was acknowledged or released already, or was never received here.`,
  );
}
