import { randomUUID } from 'node:crypto';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { ActionsOf, AnyContract, NameOf, PayloadArgs, PayloadOf, ResultOf } from '../../shared/contract';
import { checker } from '../../shared/validate';
import type { Callable } from '../ops/builtin-contract';
import { isReserved } from '../../shared/protocol/builtin-actions';
import { listDeadLetters, type DeadLetter } from '../replicas/dead-letters';
import { listReplicas, type ReplicaInfo } from '../replicas/presence';
import { settlesWithin } from '../support/timers';
import { resolveTransport } from '../transport/resolve';
import { carriesObjects, type ObjectMessage, type ObjectTransport, type Transport } from '../transport/transport';
import {
  callerChecker,
  checkRequest,
  DEFAULT_CALLER_TIMEOUT_MS,
  validRequest,
  type CallerOptions,
  type RequestOptions,
} from './caller-options';
import { closedError, lostInFlight, noSubscriber, notConnected, sendFailure, unsent, type Unsent } from './caller-errors';
import { LocalRequest } from './local-messages';
import { ReplyTable } from './reply-table';
import { RequestStream } from './request-stream';
import { RequestEncoder, encodeServiceMessage, messageJson, payloadJson } from './outgoing-json';

const RESOLVED = Promise.resolve();
/** How often a queued request retries a first connection that failed. */
const RECONNECT_POLL_MS = 250;

/**
 * Calls a Daebus service (Python's `DaebusCaller`): requests with replies matched by
 * `request_id` on one reply channel (`caller:<uuid4>`), shared by all concurrent requests.
 */
export class DaebusCaller<out C extends object = AnyContract> {
  /** The service this caller sends to (the channel its requests go to). */
  readonly service: string;
  /** Where the replies to this caller's requests come back: `caller:<uuid4>`. */
  readonly replyChannel = `caller:${randomUUID()}`;
  readonly #transport: Transport;
  /** The transport again when it carries object messages (in-process): decided once, not per request. */
  readonly #objects: ObjectTransport | undefined;
  readonly #timeoutMs: number;
  readonly #offline: NonNullable<CallerOptions['offline']>;
  /** Requests waiting for their final reply. */
  readonly #pending: ReplyTable;
  readonly #encoder: RequestEncoder;
  #ready?: Promise<void>;
  /** Connected and subscribed, and the transport reports no outage: requests go out at once. */
  get #live(): boolean {
    return this.#subscribed && this.#transport.isConnected?.() !== false;
  }
  #subscribed = false;
  /** Why the last try to connect failed: the caller's own first connect, else the transport's reconnect while it is down. */
  #connectFailure: string | undefined;
  readonly #lastTry = (): string | undefined => this.#connectFailure ?? this.#transport.lastError?.();
  /** The durable stream of a replicated service, and whether requests take it. */
  readonly #stream: RequestStream;
  #closed = false;
  constructor(service: string, options: CallerOptions = {}) {
    const check = callerChecker(options);
    this.service = check.name('service', service);
    this.#pending = new ReplyTable(this.service, this.#lastTry);
    this.#encoder = new RequestEncoder(this.replyChannel, this.service);
    this.#timeoutMs = check.timeout('options.timeoutMs', options.timeoutMs ?? DEFAULT_CALLER_TIMEOUT_MS);
    this.#offline = check.oneOf('options.offline', options.offline ?? 'fail', ['fail', 'queue']);
    const durable = options.durable ?? 'auto';
    if (durable !== 'auto' && typeof durable !== 'boolean') check.fail('options.durable', "true, false or 'auto'", durable);
    const { timeoutMs: _t, offline: _o, durable: _d, ...choice } = options;
    // a request the transport could not send now must fail, not go out later from a queue
    this.#transport = resolveTransport(choice, { queueWhileDisconnected: false });
    this.#objects = carriesObjects(this.#transport) ? this.#transport : undefined;
    this.#stream = new RequestStream(this.service, this.#transport, durable);
    // pub/sub keeps nothing: a reply published while the connection is down is gone
    this.#transport.onDisconnect?.((reason) =>
      this.#failPending(`${reason} The replies of requests in flight are lost; they may have run. Check before sending them again.`),
    );
  }

  /**
   * Send `action` and resolve with the final reply's payload; reject with REMOTE_ERROR,
   * TIMEOUT (the timeout counts from this call), NO_SUBSCRIBER or TRANSPORT_ERROR.
   */
  sendRequest<K extends NameOf<Callable<C>>>(
    action: K,
    ...args: PayloadArgs<Callable<C>, K, [options?: RequestOptions]>
  ): Promise<ResultOf<Callable<C>, K>> {
    // indexed, not destructured: destructuring an array walks an iterator, on every request
    const payload = (args[0] === undefined ? {} : args[0]) as Record<string, unknown>;
    const options = args[1] as RequestOptions | undefined;
    // never a synchronous throw: whatever the arguments, the answer is the returned promise
    const timeoutMs = options?.timeoutMs ?? this.#timeoutMs;
    // the common case takes no turn of its own: connected, valid, and the way in (the service
    // channel, or a replicated service's stream) known without looking it up
    const viaStream = this.#live && !this.#closed && validRequest(action, payload, timeoutMs, options) ? this.#stream.usedNow() : undefined;
    if (viaStream !== undefined) {
      const requestId = this.#pending.nextId();
      const reply = this.#pending.wait(requestId, action, options?.onProgress, timeoutMs, true);
      // a replicated service's lease holder answers daebus.* at once: not queued behind the stream
      if (viaStream && !isReserved(action)) this.#addToStream(action, payload, requestId, timeoutMs);
      else void this.#publish(action, payload, requestId, timeoutMs);
      return reply as Promise<ResultOf<Callable<C>, K>>;
    }
    return this.#request(action, payload, options, timeoutMs) as Promise<ResultOf<Callable<C>, K>>;
  }

  /** Add a request to the replicated service's stream, encoded now; a failure settles its wait. */
  #addToStream(action: string, payload: Record<string, unknown>, requestId: string, timeoutMs: number): void {
    try {
      this.#stream.add(this.#encode(action, payload, requestId), timeoutMs).catch((err: unknown) => this.#failSend(requestId, action, err));
    } catch (err) {
      this.#failSend(requestId, action, err);
    }
  }

  async #request(
    action: string,
    payload: Record<string, unknown>,
    options: RequestOptions | undefined,
    timeoutMs: number,
  ): Promise<unknown> {
    if (!validRequest(action, payload, timeoutMs, options)) checkRequest(action, payload, timeoutMs, options);
    if (this.#closed) throw closedError();
    const deadline = performance.now() + timeoutMs;
    const requestId = this.#pending.nextId();
    const reply = this.#pending.wait(requestId, action, options?.onProgress, timeoutMs, false);
    // the payload as it is now, as the fast path sends it: later changes to the object do not travel
    try {
      payload = JSON.parse(payloadJson(payload)) as Record<string, unknown>;
    } catch (err) {
      this.#failSend(requestId, action, err);
      return reply;
    }
    // not awaited: the reply or its timeout settles the call, even while connecting hangs
    void this.#sendWhenConnected(action, payload, requestId, deadline, timeoutMs);
    return reply;
  }

  /** Connect if need be, then send; any failure settles the request's wait, never throws. */
  async #sendWhenConnected(action: string, payload: Record<string, unknown>, requestId: string, deadline: number, timeoutMs: number) {
    // out of time (or failed) while waiting for the connection: never sent, the timeout answers
    if (!this.#live && !(await this.#connected(deadline).catch((err: unknown) => this.#failSend(requestId, action, err)))) return;
    if (!this.#pending.has(requestId)) return;
    try {
      let replicated = this.#stream.usedNow();
      if (replicated === undefined) {
        this.#pending.lookingUp(requestId);
        replicated = await this.#stream.used();
        // a slow Redis answered after the request timed out as not sent: it must not go out now
        if (!this.#pending.has(requestId)) return;
      }
      if (replicated && !isReserved(action)) {
        const message = this.#encode(action, payload, requestId);
        this.#pending.sent(requestId);
        return await this.#stream.add(message, timeoutMs);
      }
    } catch (err) {
      return void this.#failSend(requestId, action, err);
    }
    this.#pending.sent(requestId);
    await this.#publish(action, payload, requestId, Math.max(0, deadline - performance.now()));
  }

  /**
   * Publish a request on the service channel, encoded now; a failure settles its wait, never the
   * promise returned. No promise of its own while someone receives it (every request's path).
   */
  #publish(action: string, payload: Record<string, unknown>, requestId: string, timeLeftMs: number): Promise<void> {
    let message: string | ObjectMessage;
    let published: Promise<number> | number;
    try {
      // in-process, only the payload is JSON, and it is published at once (see local-messages.ts)
      if (this.#objects) {
        message = new LocalRequest(action, payloadJson(payload), this.replyChannel, requestId, this.service);
      } else {
        message = this.#encode(action, payload, requestId);
      }
      published = this.#send(message);
    } catch (err) {
      this.#failSend(requestId, action, err);
      return RESOLVED;
    }
    if (typeof published === 'number') return published === 0 ? this.#unreceived(action, message, requestId, timeLeftMs) : RESOLVED;
    return published.then(
      (receivers) => (receivers === 0 ? this.#unreceived(action, message, requestId, timeLeftMs) : undefined),
      (err: unknown) => void this.#failSend(requestId, action, err),
    );
  }

  /** The request as wire JSON; INVALID_ARGUMENT for the rare payload that encodes to nothing. */
  #encode(action: string, payload: Record<string, unknown>, requestId: string): string {
    return this.#encoder.encode(action, payloadJson(payload), requestId);
  }

  #send(message: string | ObjectMessage): Promise<number> | number {
    if (typeof message === 'string') return this.#transport.publish(this.service, message);
    return (this.#objects as ObjectTransport).publishObject(this.service, message);
  }

  /**
   * Nobody received the request, so nobody runs it: to a service that runs replicas (looked up again now: no lease holder
   * listens, or the last look predates an empty Redis restart), it takes the stream; else, in queue mode, it is sent again
   * until someone listens (a service reconnecting after the same outage), within the timeout; else NO_SUBSCRIBER.
   */
  async #unreceived(action: string, message: string | ObjectMessage, requestId: string, timeLeftMs: number): Promise<void> {
    if (typeof message === 'string' && (await this.#stream.used(true).catch(() => false)))
      return this.#stream.add(message, timeLeftMs).catch((err: unknown) => void this.#failSend(requestId, action, err));
    // counted from here, not from the call (no clock read on every request's path): a little
    // later, but the request's own timeout still ends the retries at its time
    const end = performance.now() + timeLeftMs;
    try {
      let receivers = 0;
      while (receivers === 0 && this.#offline === 'queue' && this.#pending.has(requestId) && performance.now() + RECONNECT_POLL_MS < end) {
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_POLL_MS));
        if (!this.#pending.has(requestId)) return;
        if (!this.#live && !(await this.#connected(end))) return;
        receivers = await this.#send(message);
      }
      if (receivers === 0) this.#pending.reject(requestId, noSubscriber(this.service, this.#transport.description));
    } catch (err) {
      this.#failSend(requestId, action, err);
    }
  }

  /** The request could not be sent: its wait fails with TRANSPORT_ERROR. */
  #failSend(requestId: string, action: string, err: unknown): false {
    this.#pending.reject(requestId, sendFailure(action, err));
    return false;
  }

  /** Broadcast `payload` (a JSON object) on `channel`; resolves with the number of receivers. */
  async sendMessage(channel: string, payload: object): Promise<number> {
    checker('sendMessage(channel, payload)', ErrorCodes.INVALID_ARGUMENT).name('channel', channel);
    const text = messageJson(`sendMessage on "${channel}"`, payload); // bad input is told as such, connected or not
    await this.#connectedForMessage();
    return this.#transport.publish(channel, text);
  }

  /** Fire and forget: the payload's fields with `action` added, on the service channel. Resolves with the number of receivers. */
  async sendToService<K extends NameOf<ActionsOf<C>>>(payload: PayloadOf<ActionsOf<C>, K>, action?: K): Promise<number> {
    const check = checker('sendToService(payload, action)', ErrorCodes.INVALID_ARGUMENT);
    check.plainObject('payload', payload);
    if (action !== undefined) check.name('action', action);
    await this.#connectedForMessage();
    const message = encodeServiceMessage(payload as Record<string, unknown>, action);
    if (await this.#stream.used()) {
      await this.#stream.add(message);
      return 1;
    }
    return this.#transport.publish(this.service, message);
  }

  /** The live replicas of the service (none unless it runs replicated, on Redis). */
  async replicas(): Promise<ReplicaInfo[]> {
    await this.#connectedForMessage('query');
    const client = this.#transport.cache?.();
    return client ? listReplicas(client, this.service) : [];
  }

  /** The newest `count` requests a replicated service gave up on (its dead-letter stream), newest first. */
  async deadLetters(count = 100): Promise<DeadLetter[]> {
    await this.#connectedForMessage('query');
    const client = this.#transport.cache?.();
    return client ? listDeadLetters(client, this.service, count) : [];
  }

  /** Reject what is still waiting and release the transport. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending.rejectAll(() => new DaebusError(ErrorCodes.STOPPED, 'The caller was closed before the reply came.'));
    await this.#transport.close();
  }

  /** Fail every request sent and still waiting for its reply (the connection was lost: the reply would be too). */
  #failPending(reason: string): void {
    this.#pending.rejectAll((_id, { sent }) => (sent ? lostInFlight(reason) : undefined));
  }

  /**
   * Connected and subscribed to the reply channel by `deadline` (performance.now(): a wall clock step moves none)? While disconnected, `fail`
   * throws TRANSPORT_ERROR at once; `queue` waits, and resolves false if the deadline passes.
   */
  async #connected(deadline: number, what: Unsent = 'request'): Promise<boolean> {
    if (this.#closed) throw closedError();
    for (;;) {
      try {
        await (this.#ready ??= this.#connectOnce());
        this.#connectFailure = undefined;
        break;
      } catch (err) {
        this.#ready = undefined;
        this.#connectFailure = toPlainError(err).message;
        if (this.#offline === 'fail') throw unsent(err, what);
        if (performance.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(RECONNECT_POLL_MS, deadline - performance.now()))));
      }
    }
    const transport = this.#transport;
    if (transport.isConnected?.() !== false) return true;
    if (this.#offline === 'fail') throw notConnected(transport, '', what, this.#lastTry());
    await settlesWithin(transport.whenReady?.() ?? Promise.resolve(), Math.max(0, deadline - performance.now()));
    return transport.isConnected?.() !== false;
  }

  /** For messages without a reply (and queries of Redis): connected within the caller's timeout, or TRANSPORT_ERROR. */
  async #connectedForMessage(what: Unsent = 'message'): Promise<void> {
    const connected = await this.#connected(performance.now() + this.#timeoutMs, what);
    if (!connected) throw notConnected(this.#transport, ` within ${this.#timeoutMs} ms`, what, this.#lastTry());
  }

  async #connectOnce(): Promise<void> {
    await this.#transport.connect();
    if (this.#objects) await this.#objects.subscribeObjects(this.replyChannel, this.#pending.receive);
    else await this.#transport.subscribe(this.replyChannel, this.#pending.receive);
    this.#subscribed = true;
  }
}
