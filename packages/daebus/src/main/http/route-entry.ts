import { clipped } from '../../shared/clipped';
import { handlerConstraint } from '../../shared/definition-brands';
import { checker } from '../../shared/validate';
import { isPooledSpec, resolvePooledSpec, type PooledSpec, type ResolvedPooledSpec } from '../pool/pooled-spec';
import type { ActionHandler } from '../rpc/dispatcher';
import type { Logger } from '../support/logger';
import type { HttpRequest } from './http-request';
import type { HttpResponse } from './http-response';
import { parseMethods, parseRoutePath, type RouteMethod, type RouteParams, type RoutePath } from './route-path';

/** The second argument of a route handler: the same request, its response, its logger. */
export interface RouteContext<Params extends Record<string, string> = Record<string, string>> {
  /** The request (the handler's first argument). */
  request: HttpRequest<Params>;
  /** How to answer it: `send(data, status)`, `error(err, status)`, `setStatus`, `header`. */
  response: HttpResponse;
  /** The app's logger with the route and the request's id attached. */
  logger: Logger;
  /** Publish on the service's transport (as `app.broadcast`: the payload is a JSON object). */
  broadcast(channel: string, payload: object): Promise<number>;
}

/**
 * An HTTP route handler: answers with `response.send(data, status)`, a returned value (200), or
 * a returned `[data, status]` pair; a thrown error is a 500 with its message and code. `Path` is
 * the route's path literal: `request.params` has its parameters (see `RouteParams`).
 */
export type RouteHandler<Path extends string = string> = (
  request: HttpRequest<RouteParams<Path>>,
  context: RouteContext<RouteParams<Path>>,
) => unknown;

/** A method a route can take, as written in its options: `'POST'` or `'post'`. */
export type RouteMethodName = RouteMethod | Lowercase<RouteMethod>;

/** Options of `app.route(path, handler, options)`. */
export interface RouteOptions {
  /** GET (default), POST, PUT, PATCH, DELETE: one or a list, in either case. */
  methods?: RouteMethodName | readonly RouteMethodName[] | undefined;
  /** How long the handler may take before the request gets 504. Default: the server's `timeoutMs` (30 000 ms). */
  timeoutMs?: number | undefined;
}

/** A route after its checks: what the server serves. `run` is the handler, or a pooled one made into an action-style handler. */
export interface RouteEntry {
  path: RoutePath;
  methods: RouteMethod[];
  kind: 'function' | 'pooled';
  run: RouteHandler | ActionHandler;
  /** Unset: the server's `timeoutMs`. */
  timeoutMs: number | undefined;
}

/** A checked route registration, before the app makes it an entry (a pooled one needs the pool). */
export interface PreparedRoute {
  path: RoutePath;
  methods: RouteMethod[];
  handler: RouteHandler | ResolvedPooledSpec;
  timeoutMs: number | undefined;
}

export function prepareRoute(path: unknown, handler: unknown, options: unknown = {}): PreparedRoute {
  const where = `Route ${clipped(typeof path === 'string' ? path : String(path))}`;
  const check = checker(where);
  const parsed = parseRoutePath(where, path);
  const o = check.plainObject('options', options) as RouteOptions;
  check.knownKeys('options', o, ['methods', 'timeoutMs']);
  const methods = parseMethods(where, o.methods);
  const timeoutMs = o.timeoutMs === undefined ? undefined : check.timeout('options.timeoutMs', o.timeoutMs);
  if (isPooledSpec(handler)) return { path: parsed, methods, handler: resolvePooledSpec(where, handler as PooledSpec), timeoutMs };
  if (typeof handler !== 'function') check.fail('handler', handlerConstraint(handler), handler);
  return { path: parsed, methods, handler: handler as RouteHandler, timeoutMs };
}
