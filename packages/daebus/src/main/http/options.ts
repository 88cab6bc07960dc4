import { checker, isPlainObject, MAX_TIMEOUT_MS, type Checker } from '../../shared/validate';

/** CORS as Python Daebus configures it (`cors_config`), in camelCase. Unset keys follow the notes. */
export interface CorsOptions {
  /** Origins allowed to call (`allowed_origins`); `'*'` allows any and echoes the caller's origin. Default: any, answered with `*`. */
  allowedOrigins?: string | string[] | undefined;
  /** Methods a preflight may allow (`allowed_methods`), intersected with the route's own; `'*'`: the route's. Default: the route's. */
  allowedMethods?: string | string[] | undefined;
  /** Request headers a preflight allows (`allowed_headers`); `'*'` echoes those asked for. Default: those asked for. */
  allowedHeaders?: string | string[] | undefined;
  /** Response headers a page may read (`expose_headers`). Default: none. */
  exposeHeaders?: string | string[] | undefined;
  /** Send `Access-Control-Allow-Credentials: true` (`allow_credentials`). Default false. */
  allowCredentials?: boolean | undefined;
  /** Seconds a browser may cache a preflight (`max_age`). Default: not sent. */
  maxAge?: number | undefined;
}

/** A flood bound: more than `messages` from one client within `windowMs` get RATE_LIMITED errors. */
export interface RateLimit {
  /** Messages one client may send per window. */
  messages: number;
  /** The window, in ms; a client's window starts with its first message after the last one ended. */
  windowMs: number;
}

/** The WebSocket endpoint (Daebus's `DaebusWebSocket`). */
export interface WebSocketOptions {
  /** Its own port; unset: on the HTTP server's port (Daebus needs a second port, this does not). */
  port?: number | undefined;
  /** The address of its own port. Default `'0.0.0.0'`, as the HTTP server's. */
  host?: string | undefined;
  /** The path clients connect to on the HTTP server's port. Default `'/ws'`; on its own port every path is accepted. */
  path?: string | undefined;
  /** Largest frame a client may send; a larger one closes the connection with 1009. Default 1 MiB. */
  maxPayloadBytes?: number | undefined;
  /**
   * Bytes waiting in one client's connection past which what is sent to it is held until it reads,
   * and the most held for it (beyond one message) before it is closed as too slow (1013). Default 1 MiB.
   */
  maxBufferedBytes?: number | undefined;
  /**
   * How long a message held for a client (see maxBufferedBytes) may wait before the client is
   * closed as too slow (1013). Default 10 000 ms.
   */
  sendTimeoutMs?: number | undefined;
  /** A client's messages waiting for its handler to finish; past that its connection is not read until they are done. Default 32. */
  maxQueuedMessages?: number | undefined;
  /** Clients connected at once; one more is closed with 1013. Default 10 000. */
  maxClients?: number | undefined;
  /** Messages per client per window, or false for no limit (as Python Daebus by default). Default false. */
  rateLimit?: RateLimit | false | undefined;
  /**
   * How long a handler (or the connect hook) may take with one message; past it the client gets a
   * TIMEOUT error (the connect hook: is refused) and its next messages are handled. Default 30 000 ms.
   */
  handlerTimeoutMs?: number | undefined;
  /** How long after its last pong a client is pinged; 0: never. Default 20 000 ms, as Python Daebus (its `websockets`). */
  pingIntervalMs?: number | undefined;
  /** How long a ping may go unanswered before the client is cut off (1011); 0: never cut off. Default 20 000 ms. */
  pingTimeoutMs?: number | undefined;
}

/** The HTTP server (Daebus's `DaebusHttp`). */
export interface HttpOptions {
  /** Default 8080, as Python Daebus. 0: a free port (read it from `app.http.port`). */
  port?: number | undefined;
  /** Default `'0.0.0.0'` (every interface), as Python Daebus; `'127.0.0.1'` for this machine only. */
  host?: string | undefined;
  /** CORS headers and preflights; false (default): none, as Daebus without `cors_config`. */
  cors?: CorsOptions | false | undefined;
  /** Largest request body in bytes; a larger one gets 413. Default 1 MiB. */
  bodyLimit?: number | undefined;
  /** How long a route handler may take before the request gets 504 (a route can set its own). Default 30 000 ms. */
  timeoutMs?: number | undefined;
  /** How long an idle keep-alive connection stays open. Default 72 000 ms. */
  keepAliveTimeoutMs?: number | undefined;
  /**
   * How long a client may take to send a whole request (headers and body); past it the client gets
   * 408 and its connection is closed. 0: no limit. Default 30 000 ms (Node's own is 300 000).
   */
  requestTimeoutMs?: number | undefined;
  /**
   * How long the sending of an answer may make no progress (its client reads none of it); past it
   * the connection is reset, and what was held for it freed. 0: no limit. Default 60 000 ms, as
   * nginx's send_timeout.
   */
  sendTimeoutMs?: number | undefined;
  /**
   * Serve `/metrics` (Prometheus), `/healthz` (liveness) and `/readyz` (readiness) beside the
   * routes; a route of the app on one of these paths takes its place. Default true.
   */
  ops?: boolean | undefined;
}

export type ResolvedWebSocketOptions = Required<Omit<WebSocketOptions, 'port' | 'rateLimit'>> & {
  port: number | undefined;
  rateLimit: RateLimit | false;
};
/** CORS options with every list as a list, methods in upper case. */
export interface ResolvedCors {
  allowedOrigins?: string[];
  allowedMethods?: string[];
  allowedHeaders?: string[];
  exposeHeaders?: string[];
  allowCredentials?: boolean;
  maxAge?: number;
}
export type ResolvedHttpOptions = Required<Omit<HttpOptions, 'cors'>> & { cors: ResolvedCors | false };

/** The defaults of the HTTP server and its WebSocket endpoint, in one place (documented in the package README). */
export const DEFAULT_HTTP_OPTIONS = Object.freeze({
  port: 8080,
  host: '0.0.0.0',
  cors: false as const,
  bodyLimit: 1024 * 1024,
  timeoutMs: 30_000,
  keepAliveTimeoutMs: 72_000,
  requestTimeoutMs: 30_000,
  sendTimeoutMs: 60_000,
  ops: true,
  websocket: Object.freeze({
    path: '/ws',
    host: '0.0.0.0',
    maxPayloadBytes: 1024 * 1024,
    maxBufferedBytes: 1024 * 1024,
    sendTimeoutMs: 10_000,
    maxQueuedMessages: 32,
    maxClients: 10_000,
    rateLimit: false as const,
    handlerTimeoutMs: 30_000,
    pingIntervalMs: 20_000,
    pingTimeoutMs: 20_000,
  }),
});

const CORS_KEYS = ['allowedOrigins', 'allowedMethods', 'allowedHeaders', 'exposeHeaders', 'allowCredentials', 'maxAge'];
const HTTP_KEYS = ['port', 'host', 'cors', 'bodyLimit', 'timeoutMs', 'keepAliveTimeoutMs', 'requestTimeoutMs', 'sendTimeoutMs', 'ops'];
const WS_KEYS = [
  'port',
  'host',
  'path',
  'maxPayloadBytes',
  'maxBufferedBytes',
  'sendTimeoutMs',
  'maxQueuedMessages',
  'maxClients',
  'rateLimit',
  'handlerTimeoutMs',
  'pingIntervalMs',
  'pingTimeoutMs',
];

export function resolveHttpOptions(where: string, options: HttpOptions = {}): ResolvedHttpOptions {
  const check = checker(where);
  check.knownKeys('options', check.plainObject('options', options), HTTP_KEYS);
  const d = DEFAULT_HTTP_OPTIONS;
  return {
    port: checkPort(check, 'options.port', options.port ?? d.port),
    host: checkHost(check, options.host ?? d.host),
    cors: options.cors === undefined || options.cors === false ? false : resolveCors(check, options.cors),
    bodyLimit: check.count('options.bodyLimit', options.bodyLimit ?? d.bodyLimit, 1),
    timeoutMs: check.timeout('options.timeoutMs', options.timeoutMs ?? d.timeoutMs),
    keepAliveTimeoutMs: checkKeepAlive(check, options.keepAliveTimeoutMs ?? d.keepAliveTimeoutMs),
    requestTimeoutMs: check.duration('options.requestTimeoutMs', options.requestTimeoutMs ?? d.requestTimeoutMs),
    sendTimeoutMs: check.duration('options.sendTimeoutMs', options.sendTimeoutMs ?? d.sendTimeoutMs),
    ops: check.flag('options.ops', options.ops ?? d.ops),
  };
}

export function resolveWebSocketOptions(where: string, options: WebSocketOptions = {}): ResolvedWebSocketOptions {
  const check = checker(where);
  check.knownKeys('options', check.plainObject('options', options), WS_KEYS);
  const d = DEFAULT_HTTP_OPTIONS.websocket;
  const path = check.name('options.path', options.path ?? d.path);
  // a handshake's path never holds them (the query is apart, the fragment is not sent): every one got 404
  if (!path.startsWith('/') || /[?#]/.test(path)) check.fail('options.path', 'a path that starts with "/", without "?" or "#"', path);
  return {
    port: options.port === undefined ? undefined : checkPort(check, 'options.port', options.port),
    host: checkHost(check, options.host ?? d.host),
    path,
    maxPayloadBytes: check.count('options.maxPayloadBytes', options.maxPayloadBytes ?? d.maxPayloadBytes, 1),
    maxBufferedBytes: check.count('options.maxBufferedBytes', options.maxBufferedBytes ?? d.maxBufferedBytes, 1),
    sendTimeoutMs: check.timeout('options.sendTimeoutMs', options.sendTimeoutMs ?? d.sendTimeoutMs),
    maxQueuedMessages: check.count('options.maxQueuedMessages', options.maxQueuedMessages ?? d.maxQueuedMessages, 1),
    maxClients: check.count('options.maxClients', options.maxClients ?? d.maxClients, 1),
    rateLimit: resolveRateLimit(check, options.rateLimit ?? d.rateLimit),
    handlerTimeoutMs: check.timeout('options.handlerTimeoutMs', options.handlerTimeoutMs ?? d.handlerTimeoutMs),
    pingIntervalMs: check.duration('options.pingIntervalMs', options.pingIntervalMs ?? d.pingIntervalMs),
    pingTimeoutMs: check.duration('options.pingTimeoutMs', options.pingTimeoutMs ?? d.pingTimeoutMs),
  };
}

/** Node's server adds a second to it for its own timer: at most that much under the longest timer. */
function checkKeepAlive(check: Checker, value: unknown): number {
  const ms = check.timeout('options.keepAliveTimeoutMs', value);
  return ms <= MAX_TIMEOUT_MS - 1_000
    ? ms
    : check.fail('options.keepAliveTimeoutMs', `at most ${MAX_TIMEOUT_MS - 1_000} (Node adds 1000 to it)`, value);
}

/** Blank was taken, and the start failed saying it "could not listen on  :0". */
function checkHost(check: Checker, value: unknown): string {
  const host = check.name('options.host', value);
  // a space around it failed only at the start (getaddrinfo ENOTFOUND " 127.0.0.1")
  const bare = host.trim() !== '' && host.trim() === host;
  return bare ? host : check.fail('options.host', 'a host name or address without spaces (e.g. "127.0.0.1", "0.0.0.0")', value);
}

function checkPort(check: Checker, what: string, value: unknown): number {
  const port = check.count(what, value, 0);
  return port <= 65_535 ? port : check.fail(what, 'a port number from 0 to 65535', value);
}

function resolveRateLimit(check: Checker, value: unknown): RateLimit | false {
  if (value === false) return false;
  if (!isPlainObject(value)) return check.fail('options.rateLimit', '{ messages, windowMs } or false', value);
  check.knownKeys('options.rateLimit', value, ['messages', 'windowMs']);
  return {
    messages: check.count('options.rateLimit.messages', value.messages, 1),
    windowMs: check.timeout('options.rateLimit.windowMs', value.windowMs),
  };
}

function resolveCors(check: Checker, cors: unknown): ResolvedCors {
  const o = check.plainObject('options.cors', cors);
  check.knownKeys('options.cors', o, CORS_KEYS);
  const out: ResolvedCors = {};
  for (const key of ['allowedOrigins', 'allowedMethods', 'allowedHeaders', 'exposeHeaders'] as const) {
    if (o[key] !== undefined) out[key] = stringList(check, `options.cors.${key}`, o[key]);
  }
  if (out.allowedMethods !== undefined) out.allowedMethods = out.allowedMethods.map((m) => m.toUpperCase());
  // compared with the Origin header as browsers write it, by the CORS headers and the WebSocket endpoint
  if (out.allowedOrigins !== undefined) out.allowedOrigins = out.allowedOrigins.map((entry) => asOrigin(check, entry));
  if (o.allowCredentials !== undefined) {
    if (typeof o.allowCredentials !== 'boolean') check.fail('options.cors.allowCredentials', 'true or false', o.allowCredentials);
    out.allowCredentials = o.allowCredentials;
  }
  if (o.maxAge !== undefined) out.maxAge = check.count('options.cors.maxAge', o.maxAge, 0);
  return out;
}

/** A string or a list of non-empty strings, as a list (Daebus takes both). */
function stringList(check: Checker, what: string, value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((v) => typeof v === 'string' && v.length > 0)) {
    return check.fail(what, 'a string or a non-empty list of strings', value);
  }
  return [...(list as string[])];
}

/**
 * `entry` as the Origin a browser on that site sends (`https://App.example.com:443/` ->
 * `https://app.example.com`); `*`, `null` and a URL whose scheme has no origin (an extension's)
 * as given. One without a scheme would never match a browser's Origin: refused.
 */
function asOrigin(check: Checker, entry: string): string {
  if (entry === '*' || entry === 'null') return entry;
  let origin: string | undefined;
  try {
    if (entry.includes('://')) origin = new URL(entry).origin;
  } catch {
    // refused below
  }
  if (origin === undefined) {
    return check.fail(
      'options.cors.allowedOrigins',
      "'*', 'null' or an origin with its scheme, like 'https://app.example.com' or 'http://localhost:3000' (a browser's Origin always has one)",
      entry,
    );
  }
  return origin === 'null' ? entry : origin;
}
