import { METHODS, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import { answerAfterBody, refuseBeforeContinue } from './body-limit';
import { corsPluginOptions } from './cors';
import { clientErrorReply, NOT_PARSED } from './client-errors';
import { errorBody, frameworkReply } from './error-replies';
import { DEFAULT_HTTP_OPTIONS, type ResolvedCors, type ResolvedHttpOptions, type ResolvedWebSocketOptions } from './options';
import { readJsonBodies } from './json-body';
import { readFormBodies } from './form-body';
import { answerBesideGet } from './other-methods';
import { mountOps, type OpsEndpoints } from './ops-routes';
import type { RouteRunner } from './route-runner';
import type { RouteTable } from './route-table';
import type { SocketHub } from './socket-hub';
import { originCheck } from './socket-origin';
import type { HttpEndpoints } from './endpoints';
import { originForm } from './request-target';
import { nodeServerOptions } from './node-server-options';
import { boundPipelining, MAX_WAITING_PER_CONNECTION } from './pipelining';
import { UnusedConnections } from './unused-connections';
import { StalledAnswers } from './stalled-answers';
import { listen } from './listen';
import { forcedLeft, sayStopWait, type HttpLeft } from './http-left';

/** How long the servers get to close their connections once every request is answered. */
const CLOSE_GRACE_MS = 2_000;
/** How often, during that grace, connections that became idle are closed. */
const IDLE_CHECK_MS = 50;
/** How long a forced stop waits for its 503 answers to be written before it cuts the connections. */
const FLUSH_GRACE_MS = 500;
/** The longest path parameter (Fastify's default, 100, answered a longer one 414). */
const MAX_PARAM_LENGTH = 16 * 1024;

/**
 * The Fastify servers of a started app: the HTTP server (routes, and the WebSocket endpoint on
 * its port), and a second one when the WebSocket endpoint has a port of its own. Fastify and its
 * plugins are loaded here, on first start: a service without HTTP never loads them.
 */
export class HttpServers {
  readonly #http: ResolvedHttpOptions | undefined;
  readonly #ws: ResolvedWebSocketOptions | undefined;
  readonly #routes: RouteTable;
  readonly #runner: RouteRunner;
  readonly #hub: SocketHub;
  readonly #logger: Logger;
  readonly #ops: OpsEndpoints | undefined;
  readonly #instances: FastifyInstance[] = [];
  /** Each server's connections that have sent nothing yet: closed at a stop (see UnusedConnections). */
  readonly #unused: UnusedConnections[] = [];
  #unusedSweep?: NodeJS.Timeout;
  /** Each server's connections whose client reads none of its answer: closed after sendTimeoutMs. */
  readonly #stalled: StalledAnswers[] = [];
  /** A stop began: `/readyz` answers 503 from then on. */
  #stopping = false;
  endpoints: HttpEndpoints = {};

  constructor(init: {
    http: ResolvedHttpOptions | undefined;
    ws: ResolvedWebSocketOptions | undefined;
    routes: RouteTable;
    runner: RouteRunner;
    hub: SocketHub;
    logger: Logger;
    ops?: OpsEndpoints | undefined;
  }) {
    this.#http = init.http;
    this.#ws = init.ws;
    this.#routes = init.routes;
    this.#runner = init.runner;
    this.#hub = init.hub;
    this.#logger = init.logger;
    this.#ops = init.ops;
  }

  /** Build and listen; on failure nothing is left listening and it rejects with LISTEN_FAILED. */
  async start(): Promise<void> {
    const http = this.#http;
    const ws = this.#ws;
    try {
      if (ws) this.#hub.open(ws);
      if (http) {
        const app = await this.#build(http, ws !== undefined && ws.port === undefined);
        if (http.cors !== false) {
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          await app.register(require('@fastify/cors') as typeof import('@fastify/cors'), corsPluginOptions(http.cors));
        }
        if (ws && ws.port === undefined) await this.#mountSocket(app, [ws.path], http.cors);
        this.#routes.mount(app, this.#runner, http.cors, http.timeoutMs);
        if (http.ops && this.#ops) mountOps(app, this.#ops, this.#routes, http.cors, () => this.#stopping);
        const port = await listen(app, http.host, http.port, 'HTTP server');
        this.endpoints.url = `http://${urlHost(http.host)}:${port}`;
        this.endpoints.port = port;
        if (ws && ws.port === undefined) this.endpoints.websocketUrl = `ws://${urlHost(http.host)}:${port}${ws.path}`;
      }
      if (ws && ws.port !== undefined) {
        // upgrade requests only: no body to wait for
        const { keepAliveTimeoutMs, requestTimeoutMs, sendTimeoutMs } = DEFAULT_HTTP_OPTIONS;
        const app = await this.#build({ bodyLimit: 1024, keepAliveTimeoutMs, requestTimeoutMs, sendTimeoutMs }, true);
        // on a port of its own every path is the endpoint, as with Python Daebus's server
        await this.#mountSocket(app, ['/', '/*'], false);
        const port = await listen(app, ws.host, ws.port, 'WebSocket server');
        this.endpoints.websocketUrl = `ws://${urlHost(ws.host)}:${port}`;
      }
      this.#runner.startSweeping();
    } catch (err) {
      await this.forceStop();
      throw err instanceof DaebusError
        ? err
        : new DaebusError(ErrorCodes.LISTEN_FAILED, `The HTTP server could not start: ${toPlainError(err).message}`, { cause: err });
    }
    const where = [this.endpoints.url, this.endpoints.websocketUrl].filter(Boolean).join(' and ');
    // the URLs name a local address a client can use; a wildcard bind reaches further, and is said so
    const wildcards = [http?.host, ws?.port === undefined ? undefined : ws.host].filter((h) => h === '0.0.0.0' || h === '::');
    this.#logger.info(
      `HTTP listening on ${where}${wildcards.length > 0 ? ` (bound to ${[...new Set(wildcards)].join(', ')}: every interface)` : ''}`,
    );
  }

  /**
   * Stop: stop taking connections, give the requests in flight and the WebSocket messages being
   * handled `drainMs` to be answered (then answer the requests 503 STOPPED), close every WebSocket
   * client (1001) as its message is answered, and close. Resolves with the requests and messages
   * given up on ("GET /slow x2"), and the clients whose disconnect hooks still run.
   */
  async stop(drainMs: number, service: string): Promise<HttpLeft> {
    // from the first moment: not ready, and no new connections (while WebSocket clients close, up
    // to a second, before the servers close); those open stay, for the requests in flight, and
    // every answer from now on (those in flight included) ends its connection: `connection: close`
    this.#stopping = true;
    this.#runner.closeConnectionsAfter();
    for (const app of this.#instances) {
      app.server.prependListener('request', lastOnConnection);
      app.server.close();
    }
    // connections that sent nothing are closed from the next sweep on, while the requests in flight drain
    this.#sweepUnused();
    this.#unusedSweep = setInterval(() => this.#sweepUnused(), IDLE_CHECK_MS);
    // WebSocket messages being handled first (the requests in flight run meanwhile): Fastify's close cuts the clients off
    sayStopWait(this.#logger, drainMs, this.#runner.unansweredRoutes(), this.#hub.handlingNow());
    const { messages, drainedMs } = await this.#hub.closeAll(service, drainMs);
    this.#runner.refuseNew(`Service "${service}" is stopping: it takes no new requests.`);
    const closing = Promise.all(this.#instances.map((app) => app.close()));
    const left = Math.max(0, drainMs - drainedMs); // the drain's time left
    const [gaveUp, hooksLeft] = await Promise.all([this.#runner.drain(left, service), this.#hub.leftWithin(left)]);
    if (hooksLeft.length > 0) {
      const named = hooksLeft.slice(0, 5).join(', ') + (hooksLeft.length > 5 ? `, and ${hooksLeft.length - 5} more` : '');
      this.#logger.warn(`Gave up on the WebSocket disconnect hook of client(s) ${named}: still running after ${left} ms.`);
    }
    // a connection whose last answers were queued behind another (pipelined) closes once they are written: it is idle then
    const idle = setInterval(() => this.#instances.forEach((app) => app.server.closeIdleConnections()), IDLE_CHECK_MS);
    const closed = await settlesWithin(closing, CLOSE_GRACE_MS);
    clearInterval(idle);
    if (!closed) for (const app of this.#instances) app.server.closeAllConnections();
    await closing.catch(() => undefined);
    this.#end();
    return { requests: gaveUp, messages, hooks: hooksLeft };
  }

  /**
   * A forced stop (also during a stop): answer what is in flight with 503, let those answers go
   * out (a cut connection would lose them), cut every connection, close. Resolves with the
   * requests given up on.
   */
  async forceStop(): Promise<string[]> {
    const gaveUp = this.#runner.abandonAll('The service was forced to stop before this request was answered.');
    const messages = this.#hub.handlingNow(); // named in the forced stop's line, as a stop's last line names them
    this.#hub.terminateAll();
    const closing = Promise.all(this.#instances.map((app) => app.close().catch(() => undefined)));
    await settlesWithin(this.#runner.written(), FLUSH_GRACE_MS);
    for (const app of this.#instances) app.server.closeAllConnections();
    await settlesWithin(closing, CLOSE_GRACE_MS);
    this.#end();
    return forcedLeft(gaveUp, messages);
  }

  #sweepUnused(): void {
    for (const unused of this.#unused) unused.sweep();
  }

  #end(): void {
    clearInterval(this.#unusedSweep);
    this.#runner.stopSweeping();
    this.#hub.stopSweeping();
    this.#instances.length = 0;
    this.#unused.length = 0;
    for (const stalled of this.#stalled.splice(0)) stalled.stop();
    this.endpoints = {};
  }

  /** A Fastify app with the library's settings; `upgrades`: it will hold the WebSocket endpoint. */
  async #build(
    limits: Pick<ResolvedHttpOptions, 'bodyLimit' | 'keepAliveTimeoutMs' | 'requestTimeoutMs' | 'sendTimeoutMs'>,
    upgrades: boolean,
  ): Promise<FastifyInstance> {
    const { bodyLimit } = limits;
    // Node takes whole milliseconds only
    const requestTimeoutMs = Math.ceil(limits.requestTimeoutMs);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Fastify = require('fastify') as typeof import('fastify');
    const fail = (err: unknown, reply: FastifyReply): void => {
      const { status, body } = frameworkReply(err);
      if (status >= 500) this.#logger.error(`The HTTP server failed a request: ${toPlainError(err).message}`);
      void reply.code(status).send(body);
    };
    const app = Fastify.fastify({
      logger: false,
      bodyLimit,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node answers a request not received whole in time with 408 (clientErrorReply)
      requestTimeout: requestTimeoutMs,
      http: nodeServerOptions(requestTimeoutMs),
      clientErrorHandler: clientErrorReply(requestTimeoutMs, (status) =>
        this.#ops?.observer?.httpAnswered(NOT_PARSED, undefined, status, 0),
      ),
      // a path parameter as long as a URL may be (Node refuses a request line over 16 KiB with 431), as Python Daebus
      routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
      // a path and a query, whatever form the client sent (absolute form; several leading slashes)
      rewriteUrl: (req) => originForm(req.url ?? '/'),
      return503OnClosing: false, // the route runner answers in the documented form
      forceCloseConnections: 'idle',
      // errors of the router (a malformed URL, a parameter too long) get the same body as the others
      frameworkErrors: (err, req, reply) => {
        fail(err, reply);
        // answered before the request's hooks, where the others are counted
        this.#ops?.observer?.httpAnswered(req.method, undefined, reply.statusCode, 0);
      },
    });
    this.#instances.push(app);
    this.#unused.push(new UnusedConnections(app.server, upgrades));
    this.#stalled.push(new StalledAnswers(app.server, limits.sendTimeoutMs, this.#logger, upgrades));
    const observer = this.#ops?.observer;
    if (observer) {
      app.addHook('onResponse', (req, reply, done) => {
        observer.httpAnswered(req.method, req.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
        done();
      });
    }
    // every method Node's parser takes reaches the router, so a path's routes answer the others 405, not 404
    for (const method of METHODS) if (method !== 'CONNECT' && !app.supportedMethods.includes(method)) app.addHttpMethod(method);
    // a body over bodyLimit is answered once the client sent it, or before it with Expect: 100-continue
    refuseBeforeContinue(app.server, bodyLimit, (method) => this.#ops?.observer?.httpAnswered(method, undefined, 413, 0));
    app.setErrorHandler((err, req, reply) => {
      if (!answerAfterBody(err, req, bodyLimit, () => fail(err, reply))) fail(err, reply);
    });
    app.setNotFoundHandler((req, reply) => {
      const path = req.url.split('?')[0];
      void reply.code(404).send({ ...errorBody('Not Found', ErrorCodes.UNKNOWN_ROUTE), path });
    });
    boundPipelining(app, (socket) =>
      this.#logger.warn(
        `Closed an HTTP connection from ${String(socket.remoteAddress)} that sent over ${MAX_WAITING_PER_CONNECTION} requests ahead of their answers.`,
      ),
    );
    readJsonBodies(app);
    readFormBodies(app);
    return app;
  }

  async #mountSocket(app: FastifyInstance, paths: string[], cors: ResolvedCors | false): Promise<void> {
    const ws = this.#ws as ResolvedWebSocketOptions;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const plugin = require('@fastify/websocket') as typeof import('@fastify/websocket');
    await app.register(plugin.default, {
      options: { maxPayload: ws.maxPayloadBytes },
      // a socket error (an oversized frame: ws closes it with 1009 itself) is the client's, not the service's
      errorHandler: (error) => this.#logger.debug(`WebSocket client error: ${toPlainError(error).message}`),
      // the hub closes its clients before the server closes
      preClose: (done) => {
        this.#hub.terminateAll();
        done();
      },
    });
    // an upgrade to a route of the app was taken, then closed at once, and ws held the socket 30 s: 404 instead
    app.addHook('onRequest', (req, reply, done) => {
      if (!req.ws || paths.includes(req.routeOptions.url ?? '')) return done();
      const error = `${req.url.split('?')[0]} is not a WebSocket endpoint; the endpoint is at ${paths.join(', ')}`;
      void reply.code(404).send({ ...errorBody(error, ErrorCodes.UNKNOWN_ROUTE), path: req.url.split('?')[0] });
    });
    // the HTTP server's origin allow-list covers the endpoint on its own port too: cookies go to every port of a host
    const preValidation = originCheck(this.#http?.cors);
    for (const path of paths) {
      // a plain request (no Upgrade) gets 426 with the documented error body, not an empty 404
      const route = { method: 'GET' as const, url: path, wsHandler: this.#hub.accept, handler: upgradeRequired };
      app.route(preValidation === undefined ? route : { ...route, preValidation });
      // on a port of its own: no routes of the app beside it
      if (ws.port !== undefined) answerBesideGet(app, path, new Set(), cors, 'the WebSocket server');
      else answerBesideGet(app, path, this.#routes.takenOn(path), cors, path);
    }
  }
}

/** A request that comes during a stop: its answer ends the keep-alive connection (Node writes `connection: close`). */
function lastOnConnection(_req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false;
}

/** The answer of the WebSocket endpoint to a request that is not a WebSocket handshake. */
function upgradeRequired(req: FastifyRequest, reply: FastifyReply): void {
  const message = `${req.url.split('?')[0]} is the WebSocket endpoint: connect with a WebSocket client.`;
  void reply.code(426).header('upgrade', 'websocket').send(errorBody(message, ErrorCodes.BAD_REQUEST));
}

/** A host a URL can name: the wildcard addresses are reached on this machine as 127.0.0.1. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
