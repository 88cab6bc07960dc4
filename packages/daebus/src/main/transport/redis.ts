import { isUtf8 } from 'node:buffer';
import type { Redis, RedisOptions } from 'ioredis';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { settlesWithin } from '../support/timers';
import { RedisProbe } from './redis-probe';
import {
  connectionDefaults,
  drop,
  quit,
  readyTimeoutMs,
  readyWithin,
  retriesAfterFirstConnect,
  usable,
  quietFailoverDetector,
} from './redis-connect';
import { describeConnection } from './redis-description';
import { checkRedisOptions, checkRedisUrl } from './redis-options-check';
import type { MessageHandler, RedisClient, Transport, TransportBehaviour } from './transport';
import { connectHint, shownFailure } from './connect-hint';
import { unixSocketOptions } from './unix-url';
import { Resubscription } from './resubscription';
import { failUnansweredOnClose } from './unanswered';

/** A Redis URL (`redis://[:password@]host:port[/db]`, `rediss://` for TLS, `unix:///path?db=N&password=p`, read here: ioredis reads no such URL) or ioredis options (AUTH, TLS, ... pass through). */
export type RedisConfig = string | RedisOptions;

/**
 * Publish/subscribe over Redis with ioredis: one connection subscribes, one publishes (a
 * subscribed connection can do nothing else); both get the given options as they are. ioredis reconnects on its own; this
 * class subscribes every channel again (see Resubscription), each once, so a reconnect cannot
 * double the handling of a message.
 */
export class RedisTransport implements Transport {
  readonly description: string;
  readonly #subscriber: Redis;
  readonly #publisher: Redis;
  readonly #handlers = new Map<string, Set<MessageHandler>>();
  readonly #disconnectListeners = new Set<(reason: string) => void>();
  readonly #refusedListeners = new Set<(err: Error) => void>();
  readonly #resubscription: Resubscription;
  #lastError?: Error;
  /** The subscribing connection dropped and its channels are not confirmed again yet. */
  #down = false;
  #waiters: (() => void)[] = [];
  #connected = false;
  #closed = false;
  /** The publisher's socket is corked until the current turn's publishes are all written. */
  #corked = false;
  /** Channels whose last handler is leaving (an UNSUBSCRIBE on its way), the handlers that joined meanwhile, and when it is done. */
  readonly #leaving = new Map<string, { joined: Set<MessageHandler>; done: Promise<void> }>();
  /** What sends on the publisher right before it is uncorked (joinHeldWrites). */
  #beforeUncork: (() => void)[] = [];
  /** Whether Redis answers on both connections (a stall leaves them open and ready). */
  readonly #probe: RedisProbe;

  constructor(given: RedisConfig, behaviour: TransportBehaviour = {}) {
    const config = typeof given === 'string' && given.startsWith('unix:') ? unixSocketOptions(given) : given;
    checkRedisOptions(config);
    if (typeof given === 'string') checkRedisUrl(given, 'the URL given to RedisTransport');
    const base = connectionDefaults(config);
    // a caller's publish fails at once while disconnected, and is never sent again after a drop
    const strict: RedisOptions =
      behaviour.queueWhileDisconnected === false ? { enableOfflineQueue: false, autoResendUnfulfilledCommands: false } : {};
    const RedisClient = loadIoredis();
    const retries = retriesAfterFirstConnect(config, () => this.#connected);
    // the user's options win over the defaults above (enableAutoPipelining, for one: off by
    // default, since it defers each publish to the next turn and so costs latency)
    const make = (extra: RedisOptions): Redis =>
      typeof config === 'string'
        ? new RedisClient(config, { ...base, ...extra, ...retries })
        : new RedisClient({ ...base, ...config, ...extra, ...retries });
    this.#subscriber = make({ autoResubscribe: false });
    this.#publisher = make(strict);
    if (behaviour.queueWhileDisconnected === false) failUnansweredOnClose(this.#publisher);
    this.description = describeConnection(this.#publisher.options);
    this.#probe = new RedisProbe([this.#subscriber, this.#publisher]);
    for (const connection of [this.#subscriber, this.#publisher]) {
      quietFailoverDetector(connection);
      // ioredis logs unhandled 'error' events itself; keep the last one for a clear message instead
      connection.on('error', (err: Error) => {
        this.#lastError = err;
      });
    }
    // The bytes, not ioredis's 'message' (decoded with U+FFFD for bad bytes, and skipped when no
    // one listens to it): a message that is not UTF-8 must be told apart, and is decoded once here.
    this.#subscriber.on('messageBuffer', (channel: Buffer, message: Buffer | null) => this.#deliver(channel, message));
    // one notice per outage: ioredis reports a close for every reconnect attempt that fails
    this.#subscriber.on('close', () => {
      if (!this.#connected || this.#closed || this.#down) return;
      this.#down = true;
      this.#tell(this.#disconnectListeners, `The connection to Redis at ${this.description} was lost.`);
    });
    // back after an outage: every channel subscribed again; the transport is connected once Redis confirms it
    this.#resubscription = new Resubscription(this.#subscriber, {
      channels: () => [...this.#handlers.keys()],
      wanted: () => this.#down && !this.#closed,
      refused: (err) => this.#tell(this.#refusedListeners, err),
      done: () => {
        this.#down = false;
        this.#wake();
      },
    });
    this.#publisher.on('ready', () => this.#wake());
  }

  /** The connection for keys and values (Daebus's `cache`). */
  cache(): RedisClient {
    return this.#publisher;
  }

  /** The cache is the publisher's connection: its writes in this turn go out together too. */
  coalesceCache(): void {
    this.#coalesce();
  }

  isConnected(): boolean {
    return !this.#down && usable(this.#subscriber) && usable(this.#publisher);
  }

  /** False while Redis leaves a PING unanswered for 2 s: the connections look ready, but nothing comes back. */
  readonly answering = (): boolean => this.#probe.answering();
  readonly onSilence: NonNullable<Transport['onSilence']> = (listener) => this.#probe.onSilence(listener);

  /** Both connections ready within the connect timeout (5 s unless the options set one), or TRANSPORT_ERROR. */
  async connect(): Promise<void> {
    if (this.#connected) return;
    this.#lastError = undefined;
    const connections = [this.#subscriber, this.#publisher];
    try {
      await readyWithin(connections, readyTimeoutMs(this.#publisher), this.description, () => this.#lastError);
    } catch (err) {
      // nothing may stay behind to hold the process: no socket, no retry timer
      for (const connection of connections) drop(connection);
      throw this.#connectError(err);
    }
    this.#connected = true;
    this.#probe.start();
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
      handlers.add(handler);
      await this.#subscriber.subscribe(channel);
      return;
    }
    handlers.add(handler);
    // joined while the channel's last handler leaves: subscribed again once its UNSUBSCRIBE is done
    const leaving = this.#leaving.get(channel);
    if (leaving) {
      leaving.joined.add(handler);
      await leaving.done;
    }
  }

  /**
   * The channel's last handler keeps receiving until Redis confirms the UNSUBSCRIBE: a message
   * Redis delivers before that was published while this process was subscribed, and its
   * publisher counted it (a caller then waits for a reply, not NO_SUBSCRIBER). Dropping it would
   * leave that caller waiting for its timeout.
   */
  async unsubscribe(channel: string, handler: MessageHandler): Promise<void> {
    const handlers = this.#handlers.get(channel);
    if (handlers === undefined || !handlers.has(handler)) return;
    if (handlers.size > 1 || this.#leaving.has(channel)) {
      handlers.delete(handler);
      this.#leaving.get(channel)?.joined.delete(handler);
      return;
    }
    const leaving = { joined: new Set<MessageHandler>(), done: Promise.resolve() }; // set first: offline, #leave ends (removing it) at once
    this.#leaving.set(channel, leaving);
    leaving.done = this.#leave(channel, handlers, handler, leaving.joined);
    await leaving.done.catch(() => undefined);
  }

  async #leave(channel: string, handlers: Set<MessageHandler>, handler: MessageHandler, joined: Set<MessageHandler>): Promise<void> {
    try {
      // a server that just went away must not hold up a stop
      // offline: nothing to do, the channel is not subscribed again once the connection is back
      if (this.#subscriber.status === 'ready') await settlesWithin(this.#subscriber.unsubscribe(channel), 1_000);
      if (!joined.has(handler)) handlers.delete(handler);
      if (handlers.size === 0) {
        if (this.#handlers.get(channel) === handlers) this.#handlers.delete(channel);
      } else if (!this.#closed) {
        // someone joined while the UNSUBSCRIBE was on its way: Redis must deliver the channel again
        await this.#subscriber.subscribe(channel);
      }
    } finally {
      this.#leaving.delete(channel);
    }
  }

  async publish(channel: string, message: string): Promise<number> {
    this.#coalesce();
    try {
      return await this.#publisher.publish(channel, message);
    } catch (err) {
      const text = toPlainError(err).message;
      // refused before anything was written (no offline queue): say so, it matters to a caller
      const unsent = /enableOfflineQueue/.test(text)
        ? 'not connected; the message was not sent'
        : /max retries per request/.test(text)
          ? 'the connection was lost, and Redis did not come back while the message waited (ioredis gave up after its retries); it was not sent'
          : text;
      throw new DaebusError(ErrorCodes.TRANSPORT_ERROR, `Could not publish on "${channel}" to Redis at ${this.description}: ${unsent}`, {
        cause: err,
      });
    }
  }

  /**
   * Hold the publisher's writes until the current turn's callbacks and promise jobs are done,
   * then write them at once: a service answering the requests of one read from Redis sends their
   * replies in one system call instead of one each (the per-reply write was the largest single
   * cost of a loaded service). ioredis's auto-pipelining batches too, but builds a pipeline per
   * batch and re-dispatches each command; corking the socket keeps ioredis's own path.
   */
  #coalesce(): void {
    if (this.#corked) return;
    const socket = this.#publisher.stream;
    if (socket === undefined || socket.writableCorked > 0) return;
    this.#corked = true;
    socket.cork();
    process.nextTick(() => {
      for (const send of this.#beforeUncork.splice(0)) {
        try {
          send();
        } catch {
          // a sender's failure is its own (it reports it): the held writes still go out
        }
      }
      this.#corked = false;
      socket.uncork();
    });
  }

  joinHeldWrites(send: () => void): boolean {
    if (!this.#corked) return false;
    this.#beforeUncork.push(send);
    return true;
  }

  /** Resolves once both connections are ready again and every channel is subscribed again (or the transport closed). */
  whenReady(): Promise<void> {
    if (this.isConnected() || this.#closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #wake(): void {
    if (!this.isConnected() && !this.#closed) return;
    for (const resolve of this.#waiters.splice(0)) resolve();
  }

  /** Run `listener` whenever the subscribing connection drops (in-flight replies may be lost then). */
  onDisconnect(listener: (reason: string) => void): void {
    this.#disconnectListeners.add(listener);
  }

  /** Run `listener` when Redis refuses to subscribe the channels again after a drop (tried again every second); `refusal()` says it meanwhile. */
  readonly onRefused = (listener: (err: Error) => void): void => void this.#refusedListeners.add(listener);
  readonly refusal = (): string | undefined => this.#resubscription.refusal?.message;
  readonly lastError = (): string | undefined =>
    this.isConnected() || this.#lastError === undefined ? undefined : shownFailure(this.#lastError.message);

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#probe.stop();
    this.#resubscription.stop();
    this.#handlers.clear();
    this.#wake();
    await Promise.all([quit(this.#subscriber), quit(this.#publisher)]);
  }

  #deliver(channelBytes: Buffer, bytes: Buffer | null): void {
    const channel = channelBytes.toString();
    const handlers = this.#handlers.get(channel);
    if (handlers === undefined) return;
    // isUtf8 is native (simdutf): a small fraction of the decode that follows
    const notUtf8 = bytes !== null && !isUtf8(bytes);
    const message = bytes === null ? '' : bytes.toString();
    for (const handler of handlers) handler(message, channel, notUtf8);
  }

  #tell<T>(listeners: Set<(value: T) => void>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }

  #connectError(err: unknown): DaebusError {
    if (err instanceof DaebusError) return err;
    const cause = this.#lastError ?? (err as Error);
    const text = shownFailure(toPlainError(cause).message.replace(/\.$/, ''));
    const hint = connectHint(text, { tls: this.description.startsWith('rediss:'), sentinel: this.description.startsWith('primary "') });
    return new DaebusError(ErrorCodes.TRANSPORT_ERROR, `Could not connect to Redis at ${this.description}: ${text}. ${hint}`, { cause });
  }
}

/** ioredis is loaded on first use only: a service on the memory transport never loads it. */
function loadIoredis(): typeof import('ioredis').default {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('ioredis') as typeof import('ioredis')).default;
}
