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
  /** The handler it waits for, if one (the async context it was made in). */
  readonly #owner: { readonly dropped?: boolean } | undefined;

  constructor(resolve: (value: unknown) => void, receive: boolean, owner: { readonly dropped?: boolean } | undefined) {
    this.#resolve = resolve;
    this.#receive = receive;
    this.#owner = owner;
  }

  /** Made outside any handler's async context (a WebSocket handler, the service's own code). */
  get unscoped(): boolean {
    return this.#owner === undefined;
  }

  /**
   * False once no one will read its handler's answer (Scope.dropped: given up on by a stop, timed
   * out, its client gone): the item goes to the next in line, not to a handler whose answer is
   * lost, and this wait ends with no item.
   */
  alive(): boolean {
    if (this.#owner?.dropped !== true) return true;
    this.#resolve(undefined);
    return false;
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
