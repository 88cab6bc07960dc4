import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { MessageHandler, Transport } from './transport';

/**
 * An in-process stand-in for a Redis server's pub/sub: channels are global to the broker, as
 * they are to a Redis server. Delivery is asynchronous (a microtask later), never inside
 * `publish`, so handlers see the same ordering rules as over Redis.
 */
export class MemoryBroker {
  readonly #channels = new Map<string, Set<MessageHandler>>();

  subscribe(channel: string, handler: MessageHandler): void {
    let handlers = this.#channels.get(channel);
    if (!handlers) this.#channels.set(channel, (handlers = new Set()));
    handlers.add(handler);
  }

  unsubscribe(channel: string, handler: MessageHandler): void {
    const handlers = this.#channels.get(channel);
    if (!handlers) return;
    handlers.delete(handler);
    if (handlers.size === 0) this.#channels.delete(channel);
  }

  publish(channel: string, message: string): number {
    const handlers = this.#channels.get(channel);
    if (!handlers || handlers.size === 0) return 0;
    const receivers = [...handlers];
    queueMicrotask(() => {
      for (const handler of receivers) handler(message, channel);
    });
    return receivers.length;
  }
}

/** The broker every memory transport of this process uses unless given another. */
export const defaultBroker = new MemoryBroker();

/** The embedded default transport: a connection to an in-process broker. */
export class MemoryTransport implements Transport {
  readonly description = 'memory';
  readonly #broker: MemoryBroker;
  readonly #subscriptions = new Map<string, Set<MessageHandler>>();
  #closed = false;

  constructor(broker: MemoryBroker = defaultBroker) {
    this.#broker = broker;
  }

  async connect(): Promise<void> {
    this.#closed = false;
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    this.#checkOpen();
    let handlers = this.#subscriptions.get(channel);
    if (!handlers) this.#subscriptions.set(channel, (handlers = new Set()));
    handlers.add(handler);
    this.#broker.subscribe(channel, handler);
  }

  async unsubscribe(channel: string, handler: MessageHandler): Promise<void> {
    this.#subscriptions.get(channel)?.delete(handler);
    this.#broker.unsubscribe(channel, handler);
  }

  publish(channel: string, message: string): Promise<number> {
    if (this.#closed) return Promise.reject(this.#closedError());
    return Promise.resolve(this.#broker.publish(channel, message));
  }

  async close(): Promise<void> {
    for (const [channel, handlers] of this.#subscriptions) {
      for (const handler of handlers) this.#broker.unsubscribe(channel, handler);
    }
    this.#subscriptions.clear();
    this.#closed = true;
  }

  #checkOpen(): void {
    if (this.#closed) throw this.#closedError();
  }

  #closedError(): DaebusError {
    return new DaebusError(ErrorCodes.TRANSPORT_ERROR, 'The memory transport is closed.');
  }
}
