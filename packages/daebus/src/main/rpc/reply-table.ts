import { DaebusError, ErrorCodes } from '../../shared/errors';
import { safeJson } from '../../shared/json';
import { PendingCalls } from '../../shared/pending';
import type { ObjectMessage } from '../transport/transport';
import { unreadableReply } from './caller-errors';
import { decodeResponseMessage } from './local-messages';
import { idCount, RequestIds } from './request-ids';

/** A request waiting for its final reply: its progress callback, and whether it went out. */
export interface Waiting {
  readonly requestId: string;
  readonly action: string;
  readonly timeoutMs: number;
  readonly onProgress: ((payload: unknown) => void) | undefined;
  sent: boolean;
  /** Not sent yet: connected, waiting for Redis to say whether the service runs replicas. */
  lookingUp: boolean;
}

/**
 * A caller's requests waiting for their final reply, by request id, each with its timeout; and
 * what the caller's reply channel receives, matched to them as Python Daebus's caller does.
 * The table is keyed by the counter in each id (`idCount`), and a reply settles a request only
 * when its whole id matches.
 */
export class ReplyTable {
  readonly #service: string;
  readonly #pending = new PendingCalls<number, unknown, Waiting>();
  readonly #ids: RequestIds;
  /** Why the caller's last try to connect failed, if it did: a request that timed out unsent says it. */
  readonly #connectFailure: () => string | undefined;

  constructor(service: string, connectFailure: () => string | undefined = () => undefined, ids = new RequestIds()) {
    this.#service = service;
    this.#connectFailure = connectFailure;
    this.#ids = ids;
  }

  /** An id for a new request, under a counter no waiting request holds. */
  nextId(): string {
    return this.#ids.next(this.#taken);
  }

  readonly #taken = (count: number): boolean => this.#pending.has(count);

  /** The promise of the final reply to `requestId` (from `nextId`), which fails with TIMEOUT after `timeoutMs`. */
  wait(requestId: string, action: string, onProgress: Waiting['onProgress'], timeoutMs: number, sent: boolean): Promise<unknown> {
    return this.#pending.wait(
      idCount(requestId),
      { requestId, action, timeoutMs, onProgress, sent, lookingUp: false },
      timeoutMs,
      this.#timeoutError,
    );
  }

  /** The request went out (a failed connection fails only requests that did). */
  sent(requestId: string): void {
    const waiting = this.#waiting(requestId);
    if (waiting) waiting.sent = true;
  }

  /** Connected, it waits for Redis to say whether the service runs replicas before it is sent. */
  lookingUp(requestId: string): void {
    const waiting = this.#waiting(requestId);
    if (waiting) waiting.lookingUp = true;
  }

  // a request never sent timed out waiting for the connection (or for Redis): the service is not to blame
  readonly #timeoutError = (_count: number, { requestId, action, timeoutMs, sent, lookingUp }: Waiting): Error =>
    new DaebusError(
      ErrorCodes.TIMEOUT,
      sent
        ? `Service "${this.#service}" did not answer "${action}" within ${timeoutMs} ms.`
        : lookingUp
          ? `"${action}" was not sent to service "${this.#service}": Redis did not answer within ${timeoutMs} ms whether the service runs replicas (it is connected, but stalled or overloaded); it will not be sent.`
          : `"${action}" was not sent to service "${this.#service}": the transport did not connect within ${timeoutMs} ms.` +
            (this.#connectFailure() === undefined ? '' : ` Its last try: ${this.#connectFailure() as string}`),
      { details: { requestId, sent } },
    );

  has(requestId: string): boolean {
    return this.#waiting(requestId) !== undefined;
  }

  reject(requestId: string, err: Error): void {
    const waiting = this.#waiting(requestId);
    if (waiting) this.#pending.reject(idCount(waiting.requestId), err);
  }

  /** Fail every waiting request with the error made for it; one for which `error` gives undefined goes on waiting. */
  rejectAll(error: (requestId: string, waiting: Waiting) => Error | undefined): void {
    this.#pending.rejectAll((_count, waiting) => error(waiting.requestId, waiting));
  }

  /** The request waiting under exactly this id, if one is. */
  #waiting(requestId: unknown): Waiting | undefined {
    if (typeof requestId !== 'string') return undefined;
    const waiting = this.#pending.extra(idCount(requestId));
    return waiting?.requestId === requestId ? waiting : undefined;
  }

  /**
   * A message on the reply channel: an update goes to its progress callback, a final reply settles
   * its request, and one that cannot be read (not JSON, not UTF-8) fails it at once.
   */
  readonly receive = (raw: string | ObjectMessage, _channel?: string, notUtf8?: boolean): void => {
    const response = decodeResponseMessage(raw, notUtf8);
    if (!response) return;
    const count = typeof response.requestId === 'string' ? idCount(response.requestId) : -1;
    const waiting = this.#pending.extra(count);
    if (waiting === undefined || waiting.requestId !== response.requestId) return;
    if (response.unreadable !== undefined) {
      this.#pending.reject(count, unreadableReply(this.#service, waiting.action, response.unreadable));
      return;
    }
    if (!response.final) {
      // updates, errors included, go to the progress callback, as Python's caller does
      try {
        waiting.onProgress?.(response.payload);
      } catch {
        // a progress callback that throws must not lose the request
      }
      return;
    }
    if (response.error) {
      const body = response.payload as { error?: unknown; code?: unknown } | null;
      const message = typeof body?.error === 'string' ? body.error : safeJson(response.payload);
      const remoteCode = typeof body?.code === 'string' ? body.code : undefined;
      this.#pending.reject(
        count,
        new DaebusError(ErrorCodes.REMOTE_ERROR, message, {
          // the request id finds the service's log lines of it
          details: { service: this.#service, action: waiting.action, requestId: waiting.requestId, ...(remoteCode ? { remoteCode } : {}) },
        }),
      );
    } else {
      this.#pending.resolve(count, response.payload);
    }
  };
}
