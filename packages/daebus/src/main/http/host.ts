import { DaebusError, ErrorCodes } from '../../shared/errors';
import { WebSocketClients } from '../../shared/socket-api';
import type { AppScope } from '../rpc/context';
import type { ActionHandler } from '../rpc/dispatcher';
import type { Logger } from '../support/logger';
import { DaebusHttp, DaebusWebSocket } from './components';
import { resolveHttpOptions, resolveWebSocketOptions, type ResolvedHttpOptions, type ResolvedWebSocketOptions } from './options';
import type { ResolvedPooledSpec } from '../pool/pooled-spec';
import type { PreparedRoute, RouteHandler } from './route-entry';
import type { OpsEndpoints } from './ops-routes';
import { RouteRunner } from './route-runner';
import { RouteTable } from './route-table';
import { HttpServers } from './server';
import type { HttpLeft } from './http-left';
import { portFree } from './port-check';
import type { HttpEndpoints, HttpStartOptions } from './endpoints';
import { SocketHub } from './socket-hub';
import type { SocketHandler } from './socket-handler';

/**
 * The HTTP side of an app: its routes and socket handlers (registered any time), the components
 * attached, and the servers while the app runs. The runtime starts it after the transport and
 * stops it first.
 */
export class HttpHost {
  readonly routes = new RouteTable();
  readonly hub: SocketHub;
  /** `app.websocket`. */
  readonly clients: WebSocketClients;
  readonly #runner: RouteRunner;
  readonly #logger: Logger;
  #http?: ResolvedHttpOptions;
  #ws?: ResolvedWebSocketOptions;
  #servers?: HttpServers;
  #stopping?: HttpServers;
  /** Between start and stop, with or without servers: a route or socket handler registered then waits for the next start. */
  #started = false;
  /** Started with `http: false`: a route registered then is not served at the next start either, unless that one says otherwise. */
  #httpOff = false;
  /** The service's health and metrics, for `/healthz`, `/readyz` and `/metrics`. */
  ops?: OpsEndpoints;

  constructor(app: AppScope, logger: Logger) {
    this.#logger = logger;
    this.#runner = new RouteRunner(app, logger);
    this.hub = new SocketHub(logger);
    this.clients = new WebSocketClients((call) => this.hub.exec(call));
  }

  get endpoints(): HttpEndpoints {
    return { ...this.#servers?.endpoints };
  }

  /** Daebus's `app.attach(component)`: configure the HTTP server or the WebSocket endpoint. */
  attach(component: unknown): void {
    if (this.#servers)
      throw new DaebusError(ErrorCodes.INVALID_STATE, 'attach() configures the servers before app.start(); stop the app first.');
    if (component instanceof DaebusHttp) this.#http = component.options;
    else if (component instanceof DaebusWebSocket) this.#ws = component.options;
    else throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, 'attach(component): the component must be a DaebusHttp or a DaebusWebSocket.');
  }

  /** Put a checked route or socket handler in place; `pooled` makes a pooled route's handler. */
  register(
    p: { kind: 'route'; route: PreparedRoute } | { kind: 'socket'; name: string; handler: SocketHandler },
    pooled: (name: string, spec: ResolvedPooledSpec) => ActionHandler,
  ): void {
    if (p.kind === 'socket') {
      this.hub.handlers.set(p.name, p.handler);
      if (this.#started && this.#servers?.endpoints.websocketUrl === undefined)
        this.#logger.warn(
          `WebSocket handler "${p.name}" was registered while the service runs without a WebSocket endpoint: it is served from the next start that has one.`,
        );
      return;
    }
    const { handler, methods, path } = p.route;
    this.#addRoute(p.route, isPooledRoute(handler) ? pooled(`${methods.join(',')} ${path.written}`, handler) : undefined);
  }

  #addRoute(route: PreparedRoute, pooled: ActionHandler | undefined): void {
    const run = pooled ?? (route.handler as RouteHandler);
    this.routes.add({ path: route.path, methods: route.methods, kind: pooled ? 'pooled' : 'function', run, timeoutMs: route.timeoutMs });
    if (!this.#started) return;
    const what = `Route ${route.methods.join(',')} ${route.path.written} was registered while the`;
    if (this.#httpOff) this.#logger.warn(`${what} service runs with http: false: it is not served while http is false.`);
    else
      this.#logger.warn(
        `${what} ${this.#servers?.endpoints.url === undefined ? 'service runs without an HTTP server' : 'HTTP server runs'}: it is served from the next start that has one.`,
      );
  }

  /** The servers `options` and the registrations call for, their options checked. */
  #plan(options: HttpStartOptions): { http: ResolvedHttpOptions | undefined; ws: ResolvedWebSocketOptions | undefined } {
    const wantsWs =
      options.websocket === true ||
      typeof options.websocket === 'object' ||
      (options.websocket === undefined && (this.#ws !== undefined || this.hub.handlers.size > 0));
    const ws = !wantsWs
      ? undefined
      : typeof options.websocket === 'object'
        ? resolveWebSocketOptions('start(options.websocket)', options.websocket)
        : (this.#ws ?? resolveWebSocketOptions('websocket'));
    let http: ResolvedHttpOptions | undefined;
    if (typeof options.http === 'object') http = resolveHttpOptions('start(options.http)', options.http);
    else if (
      options.http !== false &&
      (options.http === true || this.#http !== undefined || this.routes.size > 0 || (ws && ws.port === undefined))
    ) {
      http = this.#http ?? resolveHttpOptions('http');
    }
    if (ws && ws.port === undefined && !http) {
      throw new DaebusError(
        ErrorCodes.INVALID_OPTION,
        "start(options): the WebSocket endpoint is on the HTTP server's port, and http is false; give websocket a port of its own.",
      );
    }
    // Fastify would refuse it as it listens, quoting "Method already declared"
    const clash = http && ws && ws.port === undefined ? this.routes.on(ws.path) : undefined;
    if (clash && ws) {
      throw new DaebusError(
        ErrorCodes.DUPLICATE_NAME,
        `The route ${clash.methods.join(',')} ${clash.path.written} is on the path of the WebSocket endpoint (${ws.path}). Give the route another path, or the endpoint another websocket.path (or a port of its own).`,
      );
    }
    return { http, ws };
  }

  /**
   * Refuse to start, with LISTEN_FAILED, when a port the servers are to listen on is taken (a
   * second copy of the service): checked before the service connects, so that such a copy never
   * answers a request; the listen itself, later, still fails the start if the port is taken then.
   */
  async checkPorts(options: HttpStartOptions): Promise<void> {
    const { http, ws } = this.#plan(options);
    if (http && http.port !== 0) await portFree(http.host, http.port, 'HTTP server');
    if (ws && ws.port !== undefined && ws.port !== 0) await portFree(ws.host, ws.port, 'WebSocket server');
  }

  /** Start the servers the options and registrations call for (none: nothing is loaded). */
  async start(options: HttpStartOptions): Promise<void> {
    const { http, ws } = this.#plan(options);
    if (!http && this.routes.size > 0)
      this.#logger.warn(`${this.routes.size} route(s) registered, but the HTTP server is off (http: false): they are not served.`);
    this.#started = true;
    this.#httpOff = options.http === false;
    if (!http && !ws) return;
    this.hub.observer = this.ops?.observer;
    const servers = new HttpServers({
      http,
      ws,
      routes: this.routes,
      runner: this.#runner,
      hub: this.hub,
      logger: this.#logger,
      ops: this.ops,
    });
    await servers.start();
    this.#servers = servers;
  }

  /**
   * Close WebSocket clients, stop taking requests, drain those in flight (`drainMs`), close.
   * Resolves with the requests given up on ("GET /slow x2"): they count as abandoned; and the
   * clients whose disconnect hooks still run, left to themselves.
   */
  async stop(drainMs: number, service: string): Promise<HttpLeft> {
    this.#started = false;
    const servers = this.#servers;
    this.#servers = undefined;
    // kept until stopped, so that a forced stop meanwhile reaches the requests still draining
    this.#stopping = servers;
    try {
      return (await servers?.stop(drainMs, service)) ?? { requests: [], messages: [], hooks: [] };
    } finally {
      if (this.#stopping === servers) this.#stopping = undefined;
    }
  }

  /** Answer every request in flight 503 at once, cut every connection, close (a stop under way too). */
  async forceStop(): Promise<string[]> {
    this.#started = false;
    const servers = [this.#servers, this.#stopping];
    this.#servers = undefined;
    this.#stopping = undefined;
    const gaveUp = await Promise.all(servers.map((s) => s?.forceStop() ?? []));
    return gaveUp.flat();
  }
}

function isPooledRoute(handler: PreparedRoute['handler']): handler is ResolvedPooledSpec {
  return typeof handler === 'object' && handler !== null && 'specifier' in handler;
}
