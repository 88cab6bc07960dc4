import { randomUUID } from 'node:crypto';
import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';
import { resolveTransport, type TransportChoice } from './transport/resolve';
import type { Transport } from './transport/transport';
import { decodeResponse, encodeRequest, encodeServiceMessage } from './wire';

export interface CallerOptions extends TransportChoice {
  /** Default time to wait for a final reply. Default 5 000 ms (as Python Daebus). */
  timeoutMs?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Called with the payload of each streamed (`final: false`) message before the final one. */
  onProgress?: (payload: unknown) => void;
}

interface Pending {
  resolve: (payload: unknown) => void;
  reject: (err: Error) => void;
  onProgress?: (payload: unknown) => void;
  timer: NodeJS.Timeout;
}

export const DEFAULT_CALLER_TIMEOUT_MS = 5_000;

/**
 * Calls a Daebus service (Python's `DaebusCaller`): requests with replies matched by
 * `request_id` on one reply channel (`caller:<uuid4>`), shared by all concurrent requests.
 */
export class DaebusCaller {
  readonly service: string;
  readonly replyChannel = `caller:${randomUUID()}`;
  readonly #transport: Transport;
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Pending>();
  #ready?: Promise<void>;
  #closed = false;

  constructor(service: string, options: CallerOptions = {}) {
    if (typeof service !== 'string' || service.length === 0) {
      throw new DaebusError(
        ErrorCodes.INVALID_OPTION,
        `new DaebusCaller(service): service must be a non-empty string (got ${String(service)}).`,
      );
    }
    this.#timeoutMs = checkTimeout(options.timeoutMs ?? DEFAULT_CALLER_TIMEOUT_MS, 'new DaebusCaller(service, { timeoutMs })');
    this.service = service;
    this.#transport = resolveTransport(options);
    // pub/sub keeps nothing: a reply published while the connection is down is gone
    this.#transport.onDisconnect?.((reason) => this.failPending(`${reason} Requests in flight were abandoned; send them again.`));
  }

  /** Send `action` and resolve with the final reply's payload; reject with REMOTE_ERROR, TIMEOUT or NO_SUBSCRIBER. */
  async sendRequest(action: string, payload: Record<string, unknown> = {}, options: RequestOptions = {}): Promise<unknown> {
    if (typeof action !== 'string' || action.length === 0)
      throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, 'sendRequest(action): action must be a non-empty string.');
    const timeoutMs = checkTimeout(options.timeoutMs ?? this.#timeoutMs, `sendRequest("${action}", payload, { timeoutMs })`);
    await this.#connect();
    const requestId = randomUUID();
    const message = encodeRequest({ action, payload, replyTo: this.replyChannel, requestId, service: this.service });
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(requestId);
        reject(
          new DaebusError(ErrorCodes.TIMEOUT, `Service "${this.service}" did not answer "${action}" within ${timeoutMs} ms.`, {
            details: { requestId },
          }),
        );
      }, timeoutMs);
      const pending: Pending = { resolve, reject, timer };
      if (options.onProgress) pending.onProgress = options.onProgress;
      this.#pending.set(requestId, pending);
    });
    // The reply can come (or time out) before publish() resolves: mark it handled now, the
    // caller gets it through the returned promise either way.
    reply.catch(() => undefined);
    let receivers: number;
    try {
      await this.#transport.whenReady?.();
      receivers = await this.#transport.publish(this.service, message);
    } catch (err) {
      this.#settle(
        requestId,
        undefined,
        new DaebusError(ErrorCodes.TRANSPORT_ERROR, `Could not send "${action}": ${toPlainError(err).message}`, { cause: err }),
      );
      return reply;
    }
    if (receivers === 0) {
      this.#settle(
        requestId,
        undefined,
        new DaebusError(
          ErrorCodes.NO_SUBSCRIBER,
          `No service is listening on channel "${this.service}": is "${this.service}" running on this transport?`,
        ),
      );
    }
    return reply;
  }

  /** Broadcast `payload` on `channel`; resolves with the number of receivers. */
  async sendMessage(channel: string, payload: unknown): Promise<number> {
    await this.#connect();
    await this.#transport.whenReady?.();
    return this.#transport.publish(channel, JSON.stringify(payload));
  }

  /** Fire and forget: the payload's fields with `action` added, on the service channel. Resolves with the number of receivers. */
  async sendToService(payload: Record<string, unknown>, action?: string): Promise<number> {
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
      throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, 'sendToService(payload): payload must be an object.');
    }
    await this.#connect();
    await this.#transport.whenReady?.();
    return this.#transport.publish(this.service, encodeServiceMessage(payload, action));
  }

  /** Reject what is still waiting and release the transport. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const requestId of [...this.#pending.keys()]) {
      this.#settle(requestId, undefined, new DaebusError(ErrorCodes.STOPPED, 'The caller was closed before the reply came.'));
    }
    await this.#transport.close();
  }

  /** Fail every request still waiting (the transport lost its connection). */
  failPending(reason: string): void {
    for (const requestId of [...this.#pending.keys()])
      this.#settle(requestId, undefined, new DaebusError(ErrorCodes.TRANSPORT_ERROR, reason));
  }

  #connect(): Promise<void> {
    if (this.#closed) return Promise.reject(new DaebusError(ErrorCodes.STOPPED, 'This caller is closed; make a new one.'));
    this.#ready ??= (async () => {
      await this.#transport.connect();
      await this.#transport.subscribe(this.replyChannel, this.#onReply);
    })();
    return this.#ready;
  }

  readonly #onReply = (raw: string): void => {
    const response = decodeResponse(raw);
    if (!response?.requestId) return;
    const pending = this.#pending.get(response.requestId);
    if (!pending) return;
    if (!response.final && response.status !== 'error') {
      try {
        pending.onProgress?.(response.payload);
      } catch {
        // a progress callback that throws must not lose the request
      }
      return;
    }
    if (response.status === 'error') {
      const body = response.payload as { error?: unknown; code?: unknown } | null;
      const message = typeof body?.error === 'string' ? body.error : JSON.stringify(response.payload);
      const remoteCode = typeof body?.code === 'string' ? body.code : undefined;
      this.#settle(
        response.requestId,
        undefined,
        new DaebusError(ErrorCodes.REMOTE_ERROR, message, { details: { service: this.service, ...(remoteCode ? { remoteCode } : {}) } }),
      );
    } else {
      this.#settle(response.requestId, response.payload);
    }
  };

  #settle(requestId: string, value: unknown, error?: Error): void {
    const pending = this.#pending.get(requestId);
    if (!pending) return;
    this.#pending.delete(requestId);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(value);
  }
}

function checkTimeout(value: unknown, where: string): number {
  if (typeof value !== 'number' || !(value > 0))
    throw new DaebusError(ErrorCodes.INVALID_OPTION, `${where}: timeoutMs must be a number > 0 (got ${String(value)}).`);
  return value;
}
