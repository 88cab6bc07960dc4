import type { SocketClientInfo } from '../../shared/socket-ops';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import type { ResolvedWebSocketOptions } from './options';
import { closeReason, errorFrame, messageId, type MessageId } from './socket-envelope';
import { Outbox, type OutboxOwner } from './socket-outbox';
import { wsCloseCode } from './ws-close-codes';
import type { ClientSocket, Handshake } from './client-socket';
import { monotonicMs } from '../../shared/clock';

export type { ClientSocket, Handshake } from './client-socket';

/** ws's readyState for an open connection. */
const OPEN = 1;

/** A message refused by the rate limit: its error frame, sent in its turn (after the replies to earlier messages). */
class Refusal {
  constructor(readonly frame: string) {}
}

/** The message being handled: when it is past its time, and how to give up on it. */
interface Turn {
  readonly deadline: number;
  readonly what: string;
  /** What follows the timeout, for the error's message. */
  readonly then: string;
  readonly fail: (err: Error) => void;
}

/** What follows a message handler's timeout. */
const NEXT_GOES_ON = "its client's next messages go on.";

/**
 * One connected client. Its messages are handled one at a time, in order (as Python Daebus does):
 * those that arrive meanwhile wait, and past `maxQueuedMessages` the connection is not read until
 * they are done, so a flood waits in the network instead of in memory. What is sent to it goes
 * through its Outbox: held while `maxBufferedBytes` wait in the connection, and a client that
 * reads too slowly for that is closed with 1013.
 */
export class SocketClient implements OutboxOwner {
  readonly id: string;
  readonly handshake: Handshake;
  readonly connectedAt = Date.now();
  lastActivity = this.connectedAt;
  messagesReceived = 0;
  messagesSent = 0;
  registration: unknown = undefined;
  /** Its logger (the app's with its id), made when a handler first logs. */
  logger: Logger | undefined = undefined;
  readonly #socket: ClientSocket;
  readonly #limits: ResolvedWebSocketOptions;
  readonly #outbox: Outbox;
  readonly #handle: (client: SocketClient, raw: string) => Promise<void>;
  readonly #waiting: (string | Refusal)[] = [];
  #turn: Turn | undefined = undefined;
  /**
   * The code and reason the server closed the connection with, if it did: what the disconnect
   * hook hears, though the client never answered (ws reports 1006 then).
   */
  closedWith: { code: number; reason: string } | undefined = undefined;
  /** The connect handler finished without refusing it: only such a client gets the disconnect hook. */
  admitted = false;
  /** The type of the message whose handler runs now (a stop names it if it gives up on it). */
  handling: string | undefined = undefined;
  /** That message's id, for the STOPPED error a stop answers it with if it gives up on it. */
  handlingId: MessageId | undefined = undefined;
  /** A stop gave up on the message in hand (answered it STOPPED, and counted it). */
  givenUp = false;
  /** A message is being handled (or the connect handler runs): new ones wait. */
  #busy = true;
  #paused = false;
  /** The connection closed: messages still waiting are dropped, none starts any more. */
  #gone = false;
  #windowStart = -Infinity;
  #windowCount = 0;
  /** When the ping waiting for its pong went out; undefined: none waits. */
  #pingSentAt: number | undefined = undefined;
  /** The last pong (or the connect): the next ping is due `pingIntervalMs` after it. */
  #beatAt = monotonicMs();

  constructor(init: {
    id: string;
    socket: ClientSocket;
    handshake: Handshake;
    limits: ResolvedWebSocketOptions;
    handle: (client: SocketClient, raw: string) => Promise<void>;
  }) {
    this.id = init.id;
    this.#socket = init.socket;
    this.handshake = init.handshake;
    this.#limits = init.limits;
    this.#handle = init.handle;
    this.#outbox = new Outbox(init.socket, this);
  }

  get limits(): ResolvedWebSocketOptions {
    return this.#limits;
  }

  /**
   * The connection closed: drop the messages still waiting (their handlers would run after the
   * disconnect hook, for a client that is not there); one running now may finish.
   */
  gone(): void {
    this.#gone = true;
    this.#waiting.length = 0;
    this.#outbox.drop();
  }

  /** The connect handler is done: handle what arrived meanwhile, then each message as it comes. */
  ready(): void {
    this.admitted = true;
    const next = this.#waiting.shift();
    if (next === undefined) this.#busy = false;
    else void this.#pump(next);
  }

  /** A frame from the client. */
  receive(raw: string): void {
    if (this.#gone) return;
    this.messagesReceived += 1;
    this.lastActivity = Date.now();
    const item = this.#overRate(raw) ?? raw;
    if (!this.#busy) {
      void this.#pump(item);
      return;
    }
    this.#waiting.push(item);
    if (!this.#paused && this.#waiting.length >= this.#limits.maxQueuedMessages) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  /**
   * Send a frame (a text frame, also when given as its UTF-8 bytes: a broadcast encodes once and
   * hands every client the same Buffer, where ws would copy a string for each); false when the
   * connection is not open or the client was closed as too slow. A frame held (see Outbox) counts as sent.
   */
  send(frame: string | Buffer): boolean {
    return this.#outbox.offer(typeof frame === 'string' ? Buffer.from(frame) : frame) !== false;
  }

  /** As `send`, for a sender that awaits its frame's hand-over to the connection (its backpressure). */
  deliver(frame: string | Buffer): boolean | Promise<boolean> {
    const offered = this.#outbox.offer(typeof frame === 'string' ? Buffer.from(frame) : frame);
    if (typeof offered === 'boolean') return offered;
    return new Promise((resolve) => (offered.done = resolve));
  }

  wrote(): void {
    this.messagesSent += 1;
    this.lastActivity = Date.now();
  }

  tooSlow(reason: string): void {
    this.close(1013, reason);
    // its close frame waits behind what it does not read: cut off if it reads nothing more for as long again
    // (not at ws's 30 s closing timeout, all the while listed, counted and holding its place of maxClients)
    setTimeout(() => this.#socket.terminate(), this.#limits.sendTimeoutMs).unref();
  }

  close(code: number, reason: string): void {
    if (this.#socket.readyState !== OPEN) return;
    this.closedWith ??= { code, reason: closeReason(reason) };
    this.#socket.close(code, closeReason(reason));
    this.#outbox.drop();
  }

  /** ws failed the connection (a frame over maxPayloadBytes, bad UTF-8, a protocol error): it closes it with the code that says why. */
  failed(err: Error): void {
    const code = wsCloseCode(err);
    if (code !== undefined) this.closedWith ??= { code, reason: err.message };
  }

  /** The client answered a ping. */
  ponged(): void {
    this.#pingSentAt = undefined;
    this.#beatAt = monotonicMs();
  }

  /**
   * Ping the client `pingIntervalMs` after its last pong; cut it off when a ping goes
   * `pingTimeoutMs` unanswered (1011, as Python's websockets), so that a peer gone without a
   * close (a frozen process, a dropped network) does not keep its place for good. The hub calls
   * this for every client; true when the client was cut off.
   */
  heartbeat(now: number): boolean {
    const { pingIntervalMs, pingTimeoutMs } = this.#limits;
    if (pingIntervalMs === 0 || this.#socket.readyState !== OPEN) return false;
    if (this.#paused) {
      // not read while its messages wait (see receive): its pong cannot be heard, and it is busy, not gone
      this.#pingSentAt = undefined;
      this.#beatAt = now;
      return false;
    }
    if (this.#pingSentAt !== undefined) {
      if (now - this.#pingSentAt < pingTimeoutMs) return false;
      this.closedWith ??= { code: 1011, reason: `No answer to a ping within ${pingTimeoutMs} ms` };
      this.#socket.terminate();
      return true;
    }
    if (now - this.#beatAt < pingIntervalMs) return false;
    this.#socket.ping();
    // with no pingTimeoutMs the pings only keep the connection alive (through NAT, proxies)
    if (pingTimeoutMs > 0) this.#pingSentAt = now;
    else this.#beatAt = now;
    return false;
  }

  /** End the connection without the closing handshake (it did not answer the close in time). */
  terminate(): void {
    this.#socket.terminate();
  }

  get open(): boolean {
    return this.#socket.readyState === OPEN;
  }

  /**
   * A stop gave up on the message in hand: those waiting behind it get `answer(raw)` (their
   * STOPPED error), not silence. Returns them (not those the rate limit refused: counted already).
   */
  refuseWaiting(answer: (raw: string) => string): string[] {
    const waiting = this.#waiting.splice(0);
    for (const item of waiting) this.send(item instanceof Refusal ? item.frame : answer(item));
    return waiting.filter((item): item is string => typeof item === 'string');
  }

  /** A message is being handled, or the connect hook runs (a stop waits for it before it closes the client). */
  get busy(): boolean {
    return this.#busy && !this.#gone;
  }

  info(): SocketClientInfo {
    const { path, query, remoteAddress } = this.handshake;
    return {
      id: this.id,
      connectedAt: this.connectedAt,
      lastActivity: this.lastActivity,
      path,
      query,
      remoteAddress,
      messagesReceived: this.messagesReceived,
      messagesSent: this.messagesSent,
      bufferedBytes: this.#outbox.waitingBytes,
      ...(this.registration === undefined ? {} : { registration: this.registration }),
    };
  }

  /**
   * `work` (a handler's run), or a TIMEOUT error once it runs past `handlerTimeoutMs` (`expire`
   * finds it): the client's next messages need not wait for a handler that never settles.
   */
  within<T>(work: Promise<T>, what: string, then = NEXT_GOES_ON): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const turn: Turn = { deadline: monotonicMs() + this.#limits.handlerTimeoutMs, what, then, fail: reject };
      this.#turn = turn;
      work.then(
        (value) => {
          if (this.#turn === turn) this.#turn = undefined;
          resolve(value);
        },
        (err: unknown) => {
          if (this.#turn === turn) this.#turn = undefined;
          reject(err);
        },
      );
    });
  }

  /** Give up on the handler running now if it is past its time (the hub checks every client). */
  expire(now: number): void {
    this.#outbox.check(now);
    const turn = this.#turn;
    if (turn === undefined || now < turn.deadline) return;
    this.#turn = undefined;
    const ms = this.#limits.handlerTimeoutMs;
    turn.fail(new DaebusError(ErrorCodes.TIMEOUT, `${turn.what} did not answer within ${ms} ms; ${turn.then}`));
  }

  async #pump(first: string | Refusal): Promise<void> {
    this.#busy = true;
    let item: string | Refusal | undefined = first;
    while (item !== undefined) {
      if (item instanceof Refusal) this.send(item.frame);
      else {
        try {
          await this.#handle(this, item);
        } catch (err) {
          // the hub answers a handler's failure itself: this is the net under it, so that one
          // message the server could not take never stops the client's later ones
          this.send(errorFrame(`The message could not be handled: ${toPlainError(err).message}`, ErrorCodes.HANDLER_ERROR));
        }
      }
      item = this.#gone ? undefined : this.#waiting.shift();
      if (this.#paused && this.#waiting.length <= this.#limits.maxQueuedMessages / 2) {
        this.#paused = false;
        this.#socket.resume();
      }
    }
    this.#busy = false;
  }

  /** Count the message against the rate limit; over it, the RATE_LIMITED error (with its id) to answer instead. */
  #overRate(raw: string): Refusal | undefined {
    const limit = this.#limits.rateLimit;
    if (limit === false) return undefined;
    const now = monotonicMs();
    if (now - this.#windowStart >= limit.windowMs) {
      this.#windowStart = now;
      this.#windowCount = 0;
    }
    this.#windowCount += 1;
    if (this.#windowCount <= limit.messages) return undefined;
    const retryAfter = Math.ceil((this.#windowStart + limit.windowMs - now) / 1000);
    return new Refusal(errorFrame('Rate limit exceeded', ErrorCodes.RATE_LIMITED, { id: messageId(raw), retry_after: retryAfter }));
  }
}
