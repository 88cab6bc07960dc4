import type { IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import { ActionRequest } from '../rpc/request';

/** What Fastify hands a route, as the request is built from it (kept small: the hot path). */
export interface IncomingRoute {
  method: string;
  /** The URL path, without the query. */
  path: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  /** The parsed body: JSON, a form (an object), text, or undefined. */
  body: unknown;
}

/** Request ids: `http-<this process's random prefix>-<count>`, unique without a UUID per request. */
const ID_PREFIX = `http-${randomBytes(4).toString('hex')}-`;
let requests = 0;

/** Methods whose payload is the body (the others' is the query), as Python Daebus reads them. */
const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The request an HTTP route handler answers (Daebus's `HttpRequest`). It is a request like an
 * action's, so the `request` global works in routes: `payload` is the query (GET, DELETE) or the
 * JSON or form body (POST, PUT, PATCH; the query when there is none) with the path parameters added; `requestId` is
 * `http-<process prefix>-<count>`; `service` is `"http"` and `replyTo` is unset, as in Python Daebus.
 */
export class HttpRequest<Params extends Record<string, string> = Record<string, string>> extends ActionRequest {
  /** The HTTP method, e.g. `GET`. */
  readonly method: string;
  /** The URL path (without the query), e.g. `/users/42`. */
  readonly path: string;
  /** The route's path as registered, e.g. `/users/<user_id>`. */
  readonly route: string;
  /** Header names in lower case. */
  readonly headers: IncomingHttpHeaders;
  /** The path parameters: `{ user_id: '42' }` for `/users/<user_id>` (typed from the path literal given to `app.route`). */
  readonly params: Params;
  /** The query parameters; a name given more than once has a list of values. */
  readonly query: Record<string, string | string[]>;
  /** The body as parsed: a JSON value (any, an array included), a form's fields, text, or undefined. */
  readonly body: unknown;

  constructor(route: string, incoming: IncomingRoute) {
    super(
      {
        action: `${incoming.method} ${route}`,
        payload: payloadOf(incoming),
        requestId: `${ID_PREFIX}${++requests}`,
        service: 'http',
      },
      undefined,
    );
    this.method = incoming.method;
    this.path = incoming.path;
    this.route = route;
    this.headers = incoming.headers;
    // the router matched the path, so it has every parameter the path names
    this.params = incoming.params as Params;
    this.query = incoming.query;
    this.body = incoming.body;
  }
}

export function isHttpRequest(request: unknown): request is HttpRequest {
  return request instanceof HttpRequest;
}

/**
 * Query (or an object body) and path parameters in one object; the parameters win a clash (the
 * client's own value stays in `body` or `query`). Python Daebus's payload has none: they are here
 * because a pooled route gets only the payload.
 */
function payloadOf(incoming: IncomingRoute): Record<string, unknown> {
  const { body, params } = incoming;
  let base: Record<string, unknown> = {};
  // a POST without a body (an empty text one too): its query, as Python Daebus falls back to it
  if (!BODY_METHODS.has(incoming.method) || body === undefined || body === '') base = incoming.query;
  else if (body !== null && typeof body === 'object' && !Array.isArray(body) && !Buffer.isBuffer(body))
    base = body as Record<string, unknown>;
  for (const _ in params) return { ...base, ...params };
  return base;
}
