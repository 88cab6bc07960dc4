import type { Received } from '../../shared/state-ops';
import type { QueueReceiver } from './queue-core';

/**
 * A main-side get or receive waiting for its item. On the main side nothing can die apart from
 * the store: an item received is done when acked.
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
    this.#resolve(this.#receive ? ({ item, deliveries, receipt: 0 } satisfies Received) : item);
    return true;
  }

  timedOut(): void {
    this.#resolve(undefined);
  }
}
