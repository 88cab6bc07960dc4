import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { nestsTooDeep } from '../../shared/cloneable';
import { ErrorCodes } from '../../shared/errors';
import { isThenable } from '../../shared/thenable';
import { runInScope, type ActionContext, type AppScope } from '../rpc/context';
import type { ActionHandler } from '../rpc/dispatcher';
import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import { errorBody, isStatus, thrownReply } from './error-replies';
import { HttpRequest, type IncomingRoute } from './http-request';
import type { HttpResponse } from './http-response';
import type { RouteEntry, RouteHandler } from './route-entry';
import { RouteCall } from './route-call';
import { ClientWatch } from './client-watch';
import { FailureLines } from '../support/failure-lines';
import { RouteTimeouts } from './route-timeouts';
import { protoFieldMessage } from '../rpc/prototype-keys';
import { monotonicMs } from '../../shared/clock';

/** How often running routes are checked against their timeouts (a timeout fires up to this late). */
const SWEEP_MS = 50;

/**
 * Runs route handlers: each in its own async context (so the `request`, `response` and `logger`
 * globals work), with its answer (a returned value, a `[data, status]` pair, `response.send`, or
 * a thrown error) turned into an HTTP response, and a timeout. Knows the requests in flight, so
 * a stop can wait for them and answer the rest.
 */
export class RouteRunner {
  readonly #app: AppScope;
  readonly #logger: Logger;
  readonly #inFlight = new Set<RouteCall>();
  /** How many requests were read on each connection: which one was read last. */
  readonly #readOn = new WeakMap<Socket, number>();
  /** During a stop, the request whose answer closes each connection. */
  readonly #closesOn = new WeakMap<Socket, RouteCall>();
  /** Pooled routes' requests, told when their connection closes unanswered (see RouteCall.leave). */
  readonly #clients = new ClientWatch();
  readonly #timeouts: RouteTimeouts;
  readonly #failures: FailureLines;
  #sweeper?: NodeJS.Timeout;
  #onIdle?: () => void;
  /** A stop began: every answer from now on says `connection: close`. */
  #closing = false;
  /** The servers close: a request read from now on is answered 503 STOPPED with this message, not run. */
  #refusing?: string;

  constructor(app: AppScope, logger: Logger) {
    this.#app = app;
    this.#logger = logger;
    this.#timeouts = new RouteTimeouts(logger);
    this.#failures = FailureLines.ofRoutes(logger);
  }

  /** Requests being answered now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Check timeouts while the server runs. */
  startSweeping(): void {
    this.#closing = false;
    this.#refusing = undefined;
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
  }

  /** The server is closed: stop checking, and forget the calls given up on (their handlers may never settle). */
  stopSweeping(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#inFlight.clear();
    this.#timeouts.flush();
    this.#failures.flush();
  }

  /** Fastify's handler for `entry`. */
  handler(entry: RouteEntry & { timeoutMs: number }): (req: FastifyRequest, reply: FastifyReply) => void {
    const route = entry.path.written;
    return (req, reply) => {
      // Fastify's own 503 for it (return503OnClosing) has no code
      if (this.#refusing !== undefined)
        return void reply.code(503).header('connection', 'close').send(errorBody(this.#refusing, ErrorCodes.STOPPED));
      const incoming = req as unknown as IncomingRoute;
      if (Object.hasOwn(incoming.query, '__proto__'))
        return void reply.code(400).send(errorBody(protoFieldMessage('query'), ErrorCodes.BAD_REQUEST));
      const request = new HttpRequest(route, {
        method: req.method,
        path: pathOf(req.url),
        headers: req.headers,
        params: incoming.params,
        query: incoming.query,
        body: req.body,
      });
      const socket = reply.raw.req.socket;
      const seq = (this.#readOn.get(socket) ?? 0) + 1;
      this.#readOn.set(socket, seq);
      const call = new RouteCall(request, reply, this.#app, this.#logger, entry.timeoutMs, this.#answered, seq);
      this.#inFlight.add(call);
      if (entry.kind === 'pooled') this.#clients.watch(socket, call);
      if (this.#closing) this.#lastOnItsConnection(call);
      runInScope(call, this.#run, entry, call);
    };
  }

  /**
   * Run the route's handler: a value it returns at once is answered in this turn. (It was an
   * async function awaiting the value: two promises a request, each running the async context's
   * hooks on Node 20.)
   */
  readonly #run = (entry: RouteEntry, call: RouteCall): void => {
    let value: unknown;
    let thenable: boolean;
    try {
      value =
        entry.kind === 'pooled'
          ? (entry.run as ActionHandler)(call.request.payload, call as unknown as ActionContext)
          : (entry.run as RouteHandler)(call.request, call);
      thenable = isThenable(value); // a `then` getter that throws (a Proxy) fails the handler
    } catch (err) {
      this.#settle(entry, call, undefined, err, true);
      return;
    }
    if (!thenable) return this.#settle(entry, call, value, undefined, false);
    // Promise.resolve gives back a native promise as it is, and follows a thenable of the user's
    // as await does: settled once, a nested promise adopted, a throwing then() a rejection
    Promise.resolve(value).then(
      (settled) => this.#settle(entry, call, settled, undefined, false),
      (err: unknown) => this.#settle(entry, call, undefined, err, true),
    );
  };

  /** The handler returned `value`, or threw `err`: its answer, then the call is done. */
  #settle(entry: RouteEntry, call: RouteCall, value: unknown, err: unknown, threw: boolean): void {
    try {
      if (threw) this.#failedOr500(entry, call, err);
      else if (!call.response.finalSent) {
        try {
          answer(call.response, value);
        } catch (answerErr) {
          this.#failedOr500(entry, call, answerErr); // an answer that cannot be written fails the handler
        }
      }
    } finally {
      if (entry.kind === 'pooled') this.#clients.forget(call.raw.req.socket, call);
      this.#inFlight.delete(call);
      this.#answered();
    }
  }

  /** #failed; an error that throws as it is read (a revoked Proxy) still gets its client a 500 (it waited for good). */
  #failedOr500(entry: RouteEntry, call: RouteCall, err: unknown): void {
    try {
      this.#failed(entry, call, err);
    } catch {
      const body = errorBody('The handler failed with an error that cannot be read.', ErrorCodes.HANDLER_ERROR);
      if (!call.response.finalSent) call.response.writeError(500, body);
    }
  }

  #failed(entry: RouteEntry, call: RouteCall, err: unknown): void {
    const { request, response } = call;
    // the pooled job cancelled at the timeout, or ended with its worker at a stop that gave up on
    // it: the request has its 504 or 503, the warning was logged (not a crash of the handler);
    // or dropped unrun, its client gone: no one is there to answer
    if (entry.kind === 'pooled' && (call.timedOut || call.givenUp || (call.clientLeft && err === call.leftReason))) return;
    const reply = thrownReply(err);
    const { body } = reply;
    // a pooled handler past its timeout was stopped by the pool: the request timed out
    let status = entry.kind === 'pooled' && body.code === ErrorCodes.TIMEOUT ? 504 : reply.status;
    // a body nested too deep to be copied to a worker is the client's fault, not the handler's
    if (entry.kind === 'pooled' && body.code === ErrorCodes.NOT_CLONEABLE && nestsTooDeep(request.payload)) {
      status = 400;
      body.code = ErrorCodes.BAD_REQUEST;
    }
    if (status >= 500) this.#failures.failed(request.action, call.logger, body.error, err);
    if (response.finalSent) return;
    // the id the failure's log lines carry (request_id): a client's report finds them
    if (status >= 500 && request.requestId !== undefined) response.header('x-request-id', request.requestId);
    response.writeError(status, body);
  }

  /**
   * A stop began: the answers of the requests in flight end their keep-alive connections, and
   * those of requests still on their way in (a body being read as it began) too.
   */
  closeConnectionsAfter(): void {
    this.#closing = true;
    for (const call of this.#inFlight) this.#lastOnItsConnection(call);
  }

  /**
   * The answer of the request read last on a connection ends it, and only that one: Node closes
   * the connection after an answer that says so, and the answers of requests a client pipelined
   * behind it (run, and answered in order after it, or waiting to be) were lost. One whose last
   * request was answered already closes with the servers (its answers are written first).
   */
  #lastOnItsConnection(call: RouteCall): void {
    // the request's: an answer queued behind another on its connection has no socket yet
    const socket = call.raw.req.socket;
    if (call.seq !== this.#readOn.get(socket)) return;
    this.#closesOn.get(socket)?.response.closeConnectionAfter(false);
    this.#closesOn.set(socket, call);
    call.response.closeConnectionAfter();
  }

  /** The servers close: a request read from now on (begun before) is refused with 503 STOPPED and `message`. */
  refuseNew(message: string): void {
    this.#refusing = message;
  }

  /**
   * Wait up to `timeoutMs` for the requests in flight to be answered (a handler that timed out is
   * answered already: it is not waited for); then answer the rest with 503 STOPPED. Resolves with
   * those given up on ("GET /slow x2"), as a stop names the actions it abandoned.
   */
  async drain(timeoutMs: number, service: string): Promise<string[]> {
    // what it waits for is said as the stop begins (stopWaitLine), with the WebSocket messages
    if (this.#unanswered() > 0) {
      await settlesWithin(new Promise<void>((resolve) => (this.#onIdle = resolve)), timeoutMs);
      this.#onIdle = undefined;
    }
    return this.abandonAll(`Service "${service}" stopped before this request was answered.`);
  }

  /** The requests not answered yet: how many, and their routes counted ("GET /slow x2"). */
  unansweredRoutes(): { count: number; routes: string[] } {
    const names: string[] = [];
    for (const { request, response } of this.#inFlight) if (!response.finalSent) names.push(request.action);
    return { count: names.length, routes: counted(names) };
  }

  /**
   * Answer every request still unanswered with 503 STOPPED (a forced stop, or after the drain);
   * resolves with those. Said in one warning (before: one per request, a hundred lines for a
   * hundred requests); each request's id at debug.
   */
  abandonAll(message: string): string[] {
    const given: string[] = [];
    for (const call of this.#inFlight) {
      const { request, response } = call;
      if (response.finalSent) continue;
      call.givenUp = true;
      given.push(request.action);
      response.closeConnectionAfter();
      this.#logger.debug(`Gave up on ${request.action} (${request.requestId}): the service stopped`, { request_id: request.requestId });
      response.writeError(503, errorBody(message, ErrorCodes.STOPPED));
    }
    const routes = counted(given);
    if (given.length > 0)
      this.#logger.warn(`Gave up on ${given.length} HTTP request(s): ${routes.join(', ')}; each is answered 503 STOPPED`, {
        count: given.length,
      });
    return routes;
  }

  /** Resolves once every answer written so far has gone out to its connection (or the connection is gone). */
  written(): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const { raw } of this.#inFlight) {
      if (raw.writableFinished || raw.destroyed) continue;
      pending.push(new Promise((resolve) => raw.once('finish', resolve).once('close', resolve)));
    }
    return Promise.all(pending).then(() => undefined);
  }

  #sweep(): void {
    const now = monotonicMs();
    for (const call of this.#inFlight) {
      const { request, response, deadline, timeoutMs } = call;
      if (now < deadline || response.finalSent) continue;
      const text = `Route ${request.action} did not answer within ${timeoutMs} ms.`;
      this.#timeouts.timedOut(request.action, timeoutMs, request.requestId, text);
      response.writeError(504, errorBody(text, ErrorCodes.TIMEOUT));
      call.timeOut();
      // answered: a handler that never settles must not keep its call (and its request) for good
      this.#inFlight.delete(call);
    }
  }

  /** A request was answered: while draining, the drain may be over. */
  readonly #answered = (): void => {
    if (this.#onIdle && this.#unanswered() === 0) this.#onIdle();
  };

  #unanswered(): number {
    let n = 0;
    for (const { response } of this.#inFlight) if (!response.finalSent) n += 1;
    return n;
  }
}

/** A handler's returned value as the answer: `[data, status]` when it is such a pair, else the data with 200 (or `setStatus`'s). */
function answer(response: HttpResponse, value: unknown): void {
  if (Array.isArray(value) && value.length === 2 && isStatus(value[1])) response.write(value[1] as number, value[0]);
  else void response.send(value);
}

/** ["GET /a", "GET /a", "POST /b"] as ["GET /a x2", "POST /b"]. */
function counted(names: string[]): string[] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n === 1 ? name : `${name} x${n}`));
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}
