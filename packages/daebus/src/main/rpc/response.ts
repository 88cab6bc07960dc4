import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { progressPayload } from '../../shared/progress';
import type { Logger } from '../support/logger';
import type { ObjectMessage } from '../transport/transport';
import { replyTooLarge, sizeOver } from './reply-size';
import { isFinal, type SendOptions } from './send-options';
import { encodeResponse, type WireResponse } from './wire';

export type { SendOptions } from './send-options';

/** The key of the dispatcher's reply method: not part of the handlers' `response`. */
export const finalReply = Symbol('finalReply');

/**
 * How an action handler answers (Daebus's `response`). One final reply per request; streamed
 * updates (`final: false`) may come before it. Every method resolves once the message is
 * published; nothing is sent when the request has nowhere to reply to. A reply that can no
 * longer go out (after the final one, after the service gave up on the handler or closed its
 * transport) is dropped with one warning; it never throws into the handler.
 */
export class ActionResponse {
  readonly #requestId: string | undefined;
  readonly #channel: string | undefined;
  readonly #publish: (channel: string, message: string | ObjectMessage) => Promise<number> | number;
  readonly #encode: (response: WireResponse) => string | ObjectMessage;
  readonly #log: { logger(): Logger };
  readonly #maxBytes: number | undefined;
  #finalSent = false;
  /** A streamed update over maxBytes ended the request (its caller got PAYLOAD_TOO_LARGE). */
  #endedTooLarge = false;
  #failed = false;
  #warned = false;
  #givenUp = false;
  /** The final reply's publish (a transport's promise), and the promise `send()` gave the handler for it. */
  #finalPublish: Promise<unknown> | undefined;
  #finalAwaited: Promise<void> | undefined;
  /** Length of the final reply's text: what waits for the transport once the handler is done. */
  finalLength = 0;

  constructor(init: {
    requestId: string | undefined;
    channel: string | undefined;
    publish: (channel: string, message: string | ObjectMessage) => Promise<number> | number;
    /** Text for the wire; an object message where the transport carries them (in-process). */
    encode?: (response: WireResponse) => string | ObjectMessage;
    /** Where the request's logger is made, on first use. */
    log: { logger(): Logger };
    /** Largest reply text published (maxReplyBytes, over Redis); a larger one becomes a PAYLOAD_TOO_LARGE error reply. */
    maxBytes?: number | undefined;
  }) {
    this.#requestId = init.requestId;
    this.#channel = init.channel;
    this.#publish = init.publish;
    this.#encode = init.encode ?? encodeResponse;
    this.#log = init.log;
    this.#maxBytes = init.maxBytes;
  }

  /** True once the final reply went out. */
  get finalSent(): boolean {
    return this.#finalSent;
  }

  /** True once the service gave up on the handler (see `abandon`). */
  get givenUp(): boolean {
    return this.#givenUp;
  }

  /** The final reply was an error. */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Reply with `data` as a success; `{ final: false }` streams an update instead. Nothing
   * (undefined) is sent as `{}`, as Python Daebus's handlers answer; null is sent as null, as its
   * `response.send(None)` is. `options` may be Python's positional `final` (`send(data, false)`);
   * options of another shape throw INVALID_ARGUMENT.
   */
  send(data: unknown, options?: SendOptions | boolean): Promise<void> {
    return this.#settled(this.#emit({ status: 'success', payload: data === undefined ? {} : data, final: isFinal('send', options) }));
  }

  /** The final success reply (same as `send(data)`). */
  success(data: unknown): Promise<void> {
    return this.#settled(this.#emit({ status: 'success', payload: data === undefined ? {} : data, final: true }));
  }

  /**
   * The final error reply: a message, or an error whose message (and code) is sent. With
   * `{ final: false }` (or `false`, as Python's `error(err, final=False)`), an error sent as an
   * update: the request stays open, and a caller's progress callback gets its payload.
   */
  error(errorOrMessage: unknown, options?: SendOptions | boolean): Promise<void> {
    const final = isFinal('error', options);
    return this.#settled(this.#emit({ ...errorReply(errorOrMessage), final }));
  }

  /**
   * A streamed progress update, as Python Daebus sends it: a non-final success whose payload is
   * `data` with `progress_percentage` (clamped to 0-100) added; data that is not an object is
   * sent as `{ data }`. Throws INVALID_ARGUMENT when `percentage` is not a number.
   */
  progress(percentage: number, data: unknown = {}): Promise<void> {
    return this.#settled(this.#emit({ status: 'success', payload: progressPayload(percentage, data), final: false }));
  }

  /**
   * The final reply's publish, when `returned` is what `send()` gave for it: a handler written
   * `() => response.send(data)` waits for nothing else, and is done as one that returns `data` is.
   */
  publishAwaited(returned: unknown): Promise<unknown> | undefined {
    return returned !== undefined && returned === this.#finalAwaited ? this.#finalPublish : undefined;
  }

  /** The final reply's publish by the transport, once sent (the dispatcher finishes the request when it is out). */
  get finalPublish(): Promise<unknown> | undefined {
    return this.#finalPublish;
  }

  #settled(published: Promise<unknown> | number | undefined): Promise<void> {
    const awaited = settled(published);
    if (typeof published !== 'object') return awaited;
    if (published === this.#finalPublish) this.#finalAwaited = awaited;
    // a handler may leave it unawaited, as Python's handlers call send: its failure must not end the
    // process (it did under start()); the dispatcher says a final reply's, a caller awaiting it gets it
    awaited.catch(() => undefined);
    return awaited;
  }

  /**
   * The service gave up on this handler (it stopped before the handler finished): send `error`
   * as the final reply if none went out, and drop what the handler sends later.
   */
  async abandon(error: DaebusError): Promise<void> {
    this.#givenUp = true;
    // what the handler sends later is expected, and not its fault: no warning (the stop's last line names the actions)
    this.#warned = true;
    if (this.#finalSent) return;
    await settled(this.#emit(errorReply(error))).catch(() => undefined);
  }

  /**
   * The dispatcher's final reply: the handler's returned value as a success, or its error. Returns
   * the transport's publish promise as it is, a number when published at once (in-process), or
   * undefined when nothing went out: no promise of its own on the path every request takes.
   */
  [finalReply](valueOrError: unknown, failed: boolean): Promise<unknown> | number | undefined {
    return this.#emit(
      failed ? errorReply(valueOrError) : { status: 'success', payload: valueOrError === undefined ? {} : valueOrError, final: true },
    );
  }

  /** Encode and publish; undefined when nothing is sent (after the final reply, or nowhere to reply to). */
  #emit(response: Omit<WireResponse, 'requestId'>): Promise<unknown> | number | undefined {
    if (this.#finalSent) {
      if (!this.#warned) {
        this.#warned = true;
        this.#log
          .logger()
          .warn(
            this.#endedTooLarge
              ? 'A reply was dropped: the request had ended when an earlier update was over maxReplyBytes (its caller got ' +
                  'PAYLOAD_TOO_LARGE; later replies are dropped without a word).'
              : 'A reply was sent (or a value returned) after the final one; it was dropped (later ones are dropped without ' +
                  'a word). Send updates with { final: false } before the final reply, and return nothing after sending it.',
          );
      }
      return undefined;
    }
    if (response.final) {
      this.#finalSent = true;
      this.#failed = response.status === 'error';
    }
    if (this.#channel === undefined) return undefined;
    let message: string | ObjectMessage;
    try {
      (response as WireResponse).requestId = this.#requestId;
      message = this.#encode(response as WireResponse);
    } catch (err) {
      const error = new DaebusError(
        ErrorCodes.BAD_RESPONSE,
        `The reply cannot be encoded as JSON (${toPlainError(err).message}); reply with plain JSON data.`,
      );
      this.#log.logger().warn(error.message);
      // the caller gets an error: counted as one (metrics, the log's outcome)
      if (response.final) this.#failed = true;
      message = this.#encode({ ...errorReply(error), requestId: this.#requestId, final: response.final });
    }
    const bytes = typeof message === 'string' && this.#maxBytes !== undefined ? sizeOver(message, this.#maxBytes) : undefined;
    if (bytes !== undefined) message = this.#tooLarge(bytes, response.final);
    try {
      const published = this.#publish(this.#channel, message);
      if (response.final && typeof published === 'object') {
        this.#finalPublish = published;
        this.finalLength = typeof message === 'string' ? message.length : 0;
      }
      return published;
    } catch (err) {
      // a transport that throws instead of rejecting, or the memory transport closed
      return Promise.reject(err as Error);
    }
  }

  /**
   * In place of a reply over maxBytes: a final PAYLOAD_TOO_LARGE error reply, a warning in the
   * log. An oversized streamed update ends the request too: the caller learns why at once, rather
   * than waiting for a final reply that may never fit either.
   */
  #tooLarge(bytes: number, final: boolean): string | ObjectMessage {
    const error = replyTooLarge(bytes, this.#maxBytes as number, final);
    this.#log.logger().warn(error.message);
    this.#finalSent = true;
    this.#failed = true;
    this.#endedTooLarge = !final;
    return this.#encode({ ...errorReply(error), requestId: this.#requestId });
  }
}

const RESOLVED = Promise.resolve();
const nothing = (): void => undefined;

/** What the public methods resolve with: nothing, once the message is published. */
function settled(published: Promise<unknown> | number | undefined): Promise<void> {
  return typeof published === 'object' ? published.then(nothing) : RESOLVED;
}

/** An error reply carries a code, as a thrown error's does: the error's own, else HANDLER_ERROR. */
function errorReply(errorOrMessage: unknown): Omit<WireResponse, 'requestId'> {
  const plain = typeof errorOrMessage === 'string' ? { message: errorOrMessage, code: undefined } : toPlainError(errorOrMessage);
  return { status: 'error', payload: { error: plain.message, code: plain.code || ErrorCodes.HANDLER_ERROR }, final: true };
}
