import type { ClientSocket } from './client-socket';
import { monotonicMs } from '../../shared/clock';

/** ws's readyState for an open connection. */
const OPEN = 1;
/** ws's send options for a Buffer that is to go out as a text frame. */
const TEXT = { binary: false } as const;
/**
 * A frame this large, or one written while bytes wait, is told back when written out (a callback
 * costs a broadcast to many clients a third more CPU: small frames to idle connections go without).
 */
const WATCHED_BYTES = 16 * 1024;

/** A frame held back until the connection has room for it, and who waits for it to be handed over. */
export interface HeldFrame {
  readonly bytes: Buffer;
  readonly since: number;
  /** Told true once the frame is handed to the connection, false if the client is closed first. */
  done: ((sent: boolean) => void) | undefined;
}

/** What an outbox needs of its client. */
export interface OutboxOwner {
  readonly limits: { readonly maxBufferedBytes: number; readonly sendTimeoutMs: number };
  /** A frame went to the connection. */
  wrote(): void;
  /** The client takes what is sent to it too slowly: close it (1013) with this reason. */
  tooSlow(reason: string): void;
}

/**
 * What is sent to one client, in order. A frame goes to the connection at once while less than
 * `maxBufferedBytes` wait in it (or nothing does: a frame of any size goes to an empty one);
 * otherwise it is held here until the client has read enough, and its sender can await that (the
 * backpressure Python Daebus's awaited sends give). Held frames past the first may add up to
 * `maxBufferedBytes`; one more, or a first one held `sendTimeoutMs`, closes the client as too slow.
 */
export class Outbox {
  readonly #socket: ClientSocket;
  readonly #owner: OutboxOwner;
  #held: HeldFrame[] = [];
  #heldBytes = 0;
  /** ws calls it as each frame is written out: room may have opened for the held ones (one function per client, not per frame). */
  readonly #written = (err?: Error | null): void => {
    if (this.#held.length > 0 && !err) this.#flush();
  };

  constructor(socket: ClientSocket, owner: OutboxOwner) {
    this.#socket = socket;
    this.#owner = owner;
  }

  /** Bytes waiting for the client: in the connection, and held here. */
  get waitingBytes(): number {
    return this.#socket.bufferedAmount + this.#heldBytes;
  }

  /** true: handed to the connection; a HeldFrame: held, handed over later; false: not sent (not open, or closed as too slow). */
  offer(bytes: Buffer): boolean | HeldFrame {
    if (this.#socket.readyState !== OPEN) return false;
    if (this.#held.length === 0 && this.#fits(bytes.length)) {
      this.#write(bytes);
      return true;
    }
    const { maxBufferedBytes } = this.#owner.limits;
    if (this.#held.length > 0 && this.#heldBytes - this.#held[0]!.bytes.length + bytes.length > maxBufferedBytes) {
      this.#owner.tooSlow(`Too slow: ${this.waitingBytes} bytes are waiting to be sent to this client`);
      return false;
    }
    const held: HeldFrame = { bytes, since: monotonicMs(), done: undefined };
    this.#held.push(held);
    this.#heldBytes += bytes.length;
    return held;
  }

  /**
   * A frame held since `now - sendTimeoutMs` or before closes the client (the hub's sweep asks);
   * held frames go out if there is room now (no write under way that will tell when it is done).
   */
  check(now: number): void {
    if (this.#held.length > 0) this.#flush();
    const first = this.#held[0];
    const { sendTimeoutMs } = this.#owner.limits;
    if (first === undefined || now - first.since < sendTimeoutMs) return;
    this.#owner.tooSlow(`Too slow: ${this.waitingBytes} bytes are waiting to be sent to this client, some for ${sendTimeoutMs} ms`);
  }

  /** The client is closed: what is held is not sent, and its senders hear so. */
  drop(): void {
    if (this.#held.length === 0) return;
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    for (const frame of held) frame.done?.(false);
  }

  #fits(length: number): boolean {
    const buffered = this.#socket.bufferedAmount;
    return buffered === 0 || buffered + length <= this.#owner.limits.maxBufferedBytes;
  }

  #write(bytes: Buffer): void {
    const watched = bytes.length >= WATCHED_BYTES || this.#socket.bufferedAmount > 0;
    this.#socket.send(bytes, TEXT, watched ? this.#written : undefined);
    this.#owner.wrote();
  }

  #flush(): void {
    while (this.#held.length > 0) {
      if (this.#socket.readyState !== OPEN) return this.drop();
      const next = this.#held[0]!;
      if (!this.#fits(next.bytes.length)) return;
      this.#held.shift();
      this.#heldBytes -= next.bytes.length;
      this.#write(next.bytes);
      next.done?.(true);
    }
  }
}
