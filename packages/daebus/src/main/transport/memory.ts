import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { MessageHandler, ObjectMessage, ObjectMessageHandler, ObjectTransport } from './transport';

/** Points a broker at the channels every copy of daebus shares (set by MemoryBroker's static block). */
let shareChannels: (broker: MemoryBroker, channels: Channels) => void;

/**
 * An in-process stand-in for a Redis server's pub/sub: channels are global to the broker, as
 * they are to a Redis server. Delivery is asynchronous (a microtask later), never inside
 * `publish`, so handlers see the same ordering rules as over Redis.
 */
export class MemoryBroker {
  /**
   * Each channel's receivers, and whether each takes object messages as they are. The array is
   * replaced on every subscribe and unsubscribe, never changed: a publish keeps the one it saw
   * (the receivers as of the publish) without copying it.
   */
  #channels: Channels = new Map();

  static {
    shareChannels = (broker, channels) => (broker.#channels = channels);
  }

  /** Receive `channel`; with `objects`, an object message arrives as it is instead of as text. */
  subscribe(channel: string, handler: MessageHandler | ObjectMessageHandler, objects = false): void {
    const receivers = this.#channels.get(channel) ?? [];
    const at = receivers.findIndex((r) => r.handler === handler);
    const next = [...receivers];
    if (at >= 0) next[at] = { handler, objects, copy: THIS_COPY };
    else next.push({ handler, objects, copy: THIS_COPY });
    this.#channels.set(channel, next);
  }

  /** Stop `handler` from receiving `channel`; nothing happens when it does not receive it. */
  unsubscribe(channel: string, handler: MessageHandler | ObjectMessageHandler): void {
    const receivers = this.#channels.get(channel);
    if (!receivers) return;
    const next = receivers.filter((r) => r.handler !== handler);
    if (next.length === 0) this.#channels.delete(channel);
    else this.#channels.set(channel, next);
  }

  /** How many receivers `channel` has now. */
  receivers(channel: string): number {
    return this.#channels.get(channel)?.length ?? 0;
  }

  /** Deliver `message` a microtask from now to the channel's receivers as of now; returns how many. */
  publish(channel: string, message: string | ObjectMessage): number {
    const receivers = this.#channels.get(channel);
    if (!receivers) return 0;
    // a reaction of a settled promise is queued as queueMicrotask queues its callback, in the
    // same order, for less: on Node 20 queueMicrotask makes an AsyncResource per call (170 B and
    // about 100 ns more per message, measured with an async context in use)
    void SETTLED.then(() => deliverOrThrow(receivers, message, channel));
    return receivers.length;
  }
}

const SETTLED: Promise<void> = Promise.resolve();

/** A receiver's throw reaches the process as an uncaught exception, as from queueMicrotask (not as a rejection). */
function deliverOrThrow(receivers: readonly Receiver[], message: string | ObjectMessage, channel: string): void {
  try {
    deliver(receivers, message, channel);
  } catch (err) {
    queueMicrotask(() => {
      throw err;
    });
  }
}

/**
 * A receiver of a channel. `copy`: the copy of this module that subscribed it. Two copies of
 * daebus in one process (a service and a client package resolving different ones) share the
 * default broker's channels; an object message is made by one copy for its own receivers, so a
 * receiver of another copy, whatever its version, gets the wire text, as over Redis.
 */
interface Receiver {
  readonly handler: MessageHandler | ObjectMessageHandler;
  readonly objects: boolean;
  readonly copy: object;
}

type Channels = Map<string, readonly Receiver[]>;

/** This copy of the module. */
const THIS_COPY: object = {};

function deliver(receivers: readonly Receiver[], message: string | ObjectMessage, channel: string): void {
  let text = typeof message === 'string' ? message : undefined;
  for (const { handler, objects, copy } of receivers) {
    if (objects && copy === THIS_COPY) (handler as ObjectMessageHandler)(message, channel);
    else (handler as MessageHandler)((text ??= (message as ObjectMessage).toText()), channel);
  }
}

/**
 * The default broker's channels, on `globalThis` under a registered symbol: every copy of daebus
 * in the process finds the same ones. The key's version names the shape of this map and of
 * `Receiver`, and that a receiver taking objects takes text too; a change to them needs a new key.
 */
const SHARED_CHANNELS = Symbol.for('daebus.memory-broker.channels.v1');

/** The broker every memory transport of this process uses unless given another, whichever copy of daebus made it. */
export const defaultBroker = new MemoryBroker();
shareChannels(defaultBroker, ((globalThis as { [SHARED_CHANNELS]?: Channels })[SHARED_CHANNELS] ??= new Map()));

/** The embedded default transport: a connection to an in-process broker. */
export class MemoryTransport implements ObjectTransport {
  readonly description = 'memory';
  readonly #broker: MemoryBroker;
  readonly #subscriptions = new Map<string, Set<MessageHandler | ObjectMessageHandler>>();
  #closed = false;

  constructor(broker: MemoryBroker = defaultBroker) {
    this.#broker = broker;
  }

  async connect(): Promise<void> {
    this.#closed = false;
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    this.#add(channel, handler, false);
  }

  /** Like `subscribe`, and an object message arrives as it is (no JSON in between). */
  async subscribeObjects(channel: string, handler: ObjectMessageHandler): Promise<void> {
    this.#add(channel, handler, true);
  }

  async unsubscribe(channel: string, handler: MessageHandler): Promise<void> {
    this.#subscriptions.get(channel)?.delete(handler);
    this.#broker.unsubscribe(channel, handler);
  }

  publish(channel: string, message: string): Promise<number> {
    try {
      return Promise.resolve(this.publishObject(channel, message));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** Publish without encoding, at once: receivers that take objects get `message` as it is, the others its text. */
  publishObject(channel: string, message: string | ObjectMessage): number {
    if (this.#closed) throw this.#closedError();
    return this.#broker.publish(channel, message);
  }

  /** How many connections of the broker (this one's included) subscribe to `channel` now. */
  subscribers(channel: string): number {
    return this.#broker.receivers(channel);
  }

  async close(): Promise<void> {
    for (const [channel, handlers] of this.#subscriptions) {
      for (const handler of handlers) this.#broker.unsubscribe(channel, handler);
    }
    this.#subscriptions.clear();
    this.#closed = true;
  }

  #add(channel: string, handler: MessageHandler | ObjectMessageHandler, objects: boolean): void {
    if (this.#closed) throw this.#closedError();
    let handlers = this.#subscriptions.get(channel);
    if (!handlers) this.#subscriptions.set(channel, (handlers = new Set()));
    handlers.add(handler);
    this.#broker.subscribe(channel, handler, objects);
  }

  #closedError(): DaebusError {
    return new DaebusError(ErrorCodes.TRANSPORT_ERROR, 'The memory transport is closed.');
  }
}
