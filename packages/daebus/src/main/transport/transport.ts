import type { Redis } from 'ioredis';

/**
 * An ioredis client, under a name of daebus's own: a project's declaration emit can name
 * `app.cache` as `import("daebus").RedisClient` where ioredis is not its own dependency (TS2742).
 */
export interface RedisClient extends Redis {}

/**
 * `notUtf8` is true when the message's bytes were not valid UTF-8 (a transport that receives
 * bytes checks them): `message` then has U+FFFD in place of each bad sequence, and is not what
 * was sent. Receivers refuse such a message (protocol.md, "Bad input") rather than use it.
 */
export type MessageHandler = (message: string, channel: string, notUtf8?: boolean) => void;

/**
 * What a service and a caller need from a message bus: Redis-style publish/subscribe of text
 * messages on global channels. The memory transport and the Redis transport implement it; the
 * messages are the same JSON text on both (the wire format in docs/protocol.md).
 */
export interface Transport {
  /** A short name for logs: `memory`, `redis://host:port`. */
  readonly description: string;
  /** Connect; rejects with a clear error when the bus cannot be reached. */
  connect(): Promise<void>;
  /** Receive every message published on `channel` from now on. */
  subscribe(channel: string, handler: MessageHandler): Promise<void>;
  /** Stop `handler` from receiving `channel`. */
  unsubscribe(channel: string, handler: MessageHandler): Promise<void>;
  /** Publish `message`; resolves with the number of subscribers that received it. */
  publish(channel: string, message: string): Promise<number>;
  /** Unsubscribe from everything and release connections. */
  close(): Promise<void>;
  /** Called when the connection that receives messages drops: replies in flight may be lost. */
  onDisconnect?(listener: (reason: string) => void): void;
  /** Called when the server refuses to subscribe the channels again after a drop (a permission taken away); tried again until it takes them. */
  onRefused?(listener: (err: Error) => void): void;
  /** While the server refuses to subscribe the channels again: its answer. */
  refusal?(): string | undefined;
  /** Resolves when the transport can send and receive (after a reconnect, once re-subscribed). */
  whenReady?(): Promise<void>;
  /** While not connected: the last connection error (ioredis retries by itself; a request that times out unsent says it). */
  lastError?(): string | undefined;
  /** True while the transport can send and receive now. */
  isConnected?(): boolean;
  /** False while the server leaves the transport's liveness checks unanswered (it stalls, the connection open). */
  answering?(): boolean;
  /** Called when `answering()` turns false (`silentForMs` is set), and when it turns true again after `forMs` (not on a drop). */
  onSilence?(listener: (silentForMs: number | undefined, forMs: number) => void): void;
  /** A key/value client on the same server, where the transport has one (Daebus's `cache`). */
  cache?(): RedisClient;
  /** Write what `cache()` is sent in this turn in one system call, as publishes are (a caller's stream adds). */
  coalesceCache?(): void;
  /**
   * Run `send` just before the writes held back in this turn (publishes, `cache()` commands) go
   * out, so that what it sends on `cache()` joins them in the same system call; false when no
   * write is held back now.
   */
  joinHeldWrites?(send: () => void): boolean;
}

/**
 * A request or reply not turned into text yet. In-process transports hand it as it is to the
 * receivers that take objects, and its text to every other receiver, so nothing pays for JSON
 * twice inside one process.
 */
export interface ObjectMessage {
  /** The message as wire text, exactly as a text-only receiver gets it. */
  toText(): string;
}

/** A receiver that takes text, or an object message as it is. */
export type ObjectMessageHandler = (message: string | ObjectMessage, channel: string, notUtf8?: boolean) => void;

/** A transport that can carry object messages (the memory transport). Internal: not part of the Transport contract. */
export interface ObjectTransport extends Transport {
  /** Publish at once (in-process, nothing to wait for): the number of receivers; throws TRANSPORT_ERROR when closed. */
  publishObject(channel: string, message: string | ObjectMessage): number;
  subscribeObjects(channel: string, handler: ObjectMessageHandler): Promise<void>;
}

export function carriesObjects(transport: Transport): transport is ObjectTransport {
  return typeof (transport as Partial<ObjectTransport>).publishObject === 'function';
}

/** How a transport made here behaves; callers and services differ. */
export interface TransportBehaviour {
  /**
   * Publish what is sent while disconnected once the connection is back (a service's replies
   * wait through a short outage), or fail it at once (a caller's requests must not go out late).
   * Default true.
   */
  queueWhileDisconnected?: boolean | undefined;
}

/** Whether `transport` can send and receive now, and its server answers: what health reports as `connected`. */
export function transportUp(transport: Transport): boolean {
  return (transport.isConnected?.() ?? true) && transport.answering?.() !== false;
}
