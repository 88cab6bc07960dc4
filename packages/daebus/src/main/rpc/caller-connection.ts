import { DaebusError, ErrorCodes } from '../../shared/errors';
import { settlesWithin } from '../support/timers';
import type { Transport } from '../transport/transport';
import type { CallerOptions } from './caller-options';

/** How often a queued request retries a first connection that failed. */
export const RECONNECT_POLL_MS = 250;

/**
 * A caller's way onto its transport: connected, and subscribed to its reply channel, once for
 * all its requests; with `offline: 'queue'` a send waits for it within its deadline.
 */
export class CallerConnection {
  readonly #transport: Transport;
  readonly #offline: NonNullable<CallerOptions['offline']>;
  readonly #subscribe: () => Promise<void>;
  readonly #closed: () => DaebusError | undefined;
  #ready?: Promise<void>;
  #subscribed = false;

  /** `subscribe` subscribes the reply channel; `closed` the error to throw once the caller is closed. */
  constructor(
    transport: Transport,
    offline: NonNullable<CallerOptions['offline']>,
    subscribe: () => Promise<void>,
    closed: () => DaebusError | undefined,
  ) {
    this.#transport = transport;
    this.#offline = offline;
    this.#subscribe = subscribe;
    this.#closed = closed;
  }

  /** Connected and subscribed, and the transport reports no outage: requests go out at once. */
  get live(): boolean {
    return this.#subscribed && this.#transport.isConnected?.() !== false;
  }

  /**
   * Connected and subscribed to the reply channel by `deadline`? While disconnected, `fail`
   * throws TRANSPORT_ERROR at once; `queue` waits, and resolves false if the deadline passes.
   */
  async by(deadline: number): Promise<boolean> {
    const closed = this.#closed();
    if (closed) throw closed;
    for (;;) {
      try {
        await (this.#ready ??= this.#connectOnce());
        break;
      } catch (err) {
        this.#ready = undefined;
        if (this.#offline === 'fail') throw err;
        if (Date.now() + RECONNECT_POLL_MS >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_POLL_MS));
      }
    }
    const transport = this.#transport;
    if (transport.isConnected?.() !== false) return true;
    if (this.#offline === 'fail') {
      throw new DaebusError(ErrorCodes.TRANSPORT_ERROR, `Not connected to ${transport.description}; the request was not sent.`);
    }
    await settlesWithin(transport.whenReady?.() ?? Promise.resolve(), Math.max(0, deadline - Date.now()));
    return transport.isConnected?.() !== false;
  }

  /** For messages without a reply: connected within `timeoutMs`, or TRANSPORT_ERROR. */
  async forMessage(timeoutMs: number): Promise<void> {
    if (!(await this.by(Date.now() + timeoutMs))) {
      throw new DaebusError(
        ErrorCodes.TRANSPORT_ERROR,
        `Not connected to ${this.#transport.description} within ${timeoutMs} ms; the message was not sent.`,
      );
    }
  }

  async #connectOnce(): Promise<void> {
    await this.#transport.connect();
    await this.#subscribe();
    this.#subscribed = true;
  }
}
