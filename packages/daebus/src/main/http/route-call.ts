import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { AppScope, Scope } from '../rpc/context';
import type { Logger } from '../support/logger';
import type { HttpRequest } from './http-request';
import { HttpResponse } from './http-response';
import type { RouteContext } from './route-entry';
import { monotonicMs } from '../../shared/clock';

/**
 * One request being answered: the handler's context and its async context (scope) in one object
 * (this is the hot path: a getter on a class costs nothing per request, one on an object literal
 * does), and what a timeout, a drain, a forced stop or a client that went away needs of it.
 */
export class RouteCall implements RouteContext, Scope {
  readonly request: HttpRequest;
  readonly response: HttpResponse;
  readonly app: AppScope;
  /** When it times out, on the monotonic clock (a wall clock step moves no deadline). */
  readonly deadline: number;
  readonly timeoutMs: number;
  /** Which request this is of those read on its connection (1 the first). */
  readonly seq: number;
  /** Node's response under the reply: a forced stop waits for it to be written before cutting connections. */
  readonly raw: ServerResponse;
  readonly #appLogger: Logger;
  #logger?: Logger;
  /** A pooled route's call's hooks: the route's timeout cancels it, its client leaving drops it (see CallWatcher). */
  #onTimeout?: () => void;
  #onLeave?: (reason: Error) => void;
  /** What a pooled call dropped as its client left is answered with: told from a failure of its own. */
  leftReason?: Error;
  /** Answered 504 by the sweep. */
  timedOut = false;
  /** Answered 503 by a stop that gave up on it. */
  givenUp = false;
  /** Its connection closed before it was answered: no one reads its answer. */
  clientLeft = false;

  constructor(
    request: HttpRequest,
    reply: FastifyReply,
    app: AppScope,
    appLogger: Logger,
    timeoutMs: number,
    onAnswer: () => void,
    seq: number,
  ) {
    this.seq = seq;
    this.request = request;
    this.app = app;
    this.#appLogger = appLogger;
    this.timeoutMs = timeoutMs;
    this.deadline = monotonicMs() + timeoutMs;
    this.raw = reply.raw;
    this.response = new HttpResponse(reply, this, onAnswer);
  }

  /** No one reads its answer (see Scope.dropped). */
  get dropped(): boolean {
    return this.timedOut || this.givenUp || this.clientLeft;
  }

  /** The app's logger with the route and the request id, made on first use (it costs a few µs). */
  get logger(): Logger {
    return (this.#logger ??= this.#appLogger.child({ route: this.request.action, request_id: this.request.requestId }));
  }

  broadcast(channel: string, payload: unknown): Promise<number> {
    return this.app.broadcast(channel, payload);
  }

  /** A pooled route's call listens (see CallWatcher): `cancel` at the route's timeout, `gone` if its client leaves. */
  watchCall(cancel: () => void, gone: (reason: Error) => void): void {
    this.#onTimeout = cancel;
    this.#onLeave = gone;
    if (this.leftReason !== undefined) gone(this.leftReason);
  }

  /** The request timed out: a pooled job still running for it is cancelled, so its worker is freed. */
  timeOut(): void {
    this.timedOut = true;
    this.#onTimeout?.();
  }

  /** Its connection closed: unless answered already, a pooled job not started yet for it is dropped. */
  leave(): void {
    if (this.response.finalSent || this.timedOut || this.givenUp) return;
    this.clientLeft = true;
    const message = `The pooled call of ${this.request.action} (${this.request.requestId}) was dropped: its client went away before a worker took it.`;
    this.leftReason = new DaebusError(ErrorCodes.TIMEOUT, message);
    this.#onLeave?.(this.leftReason);
  }
}
