// The path syntax of routes: Daebus's `<user_id>` and the usual `:user_id`, both turned into
// Fastify's form, and the key under which two routes count as the same one.
import { checker } from '../../shared/validate';

/** The methods a route can take; HEAD is answered for every GET route, OPTIONS for every path. */
export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

/** A route path, checked: what Fastify routes, and its parameters' names. */
export interface RoutePath {
  /** As the user wrote it (for messages). */
  written: string;
  /** In Fastify's syntax: `/users/:user_id`. */
  fastify: string;
  /** Parameters replaced by `:`: two routes with the same shape and method are the same route. */
  shape: string;
  params: string[];
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A route's path parameters, read from its path literal: `'/items/<sku>'` and `'/items/:sku'` give
 * `{ sku: string }` (every parameter is a whole segment and arrives as a URL-decoded string); a path
 * known only at run time, or with a part known only then (a template with a `string` in it), gives
 * `Record<string, string>`.
 */
export type RouteParams<Path extends string> = HasHole<Path> extends true ? Record<string, string> : { [K in ParamNames<Path>]: string };
/** Whether part of the path is known only at run time (`string`, `${base}/<id>`): a key type that is a pattern, not a literal. */
type HasHole<Path extends string> = Record<never, never> extends Record<Path, 1> ? true : false;
type ParamNames<Path extends string> = Path extends `${infer Segment}/${infer Rest}`
  ? ParamName<Segment> | ParamNames<Rest>
  : ParamName<Path>;
type ParamName<Segment extends string> = Segment extends `<${infer Name}>` ? Name : Segment extends `:${infer Name}` ? Name : never;

/** Check and translate `path`; a bad one throws INVALID_OPTION naming what is wrong. */
export function parseRoutePath(where: string, path: unknown): RoutePath {
  const check = checker(where);
  const written = check.name('path', path);
  if (!written.startsWith('/')) check.fail('path', 'a path that starts with "/"', path);
  if (/[?#\s]/.test(written)) check.fail('path', 'a path without spaces, "?" or "#"', path);
  const params: string[] = [];
  const segments = written.split('/').map((segment) => {
    const name = paramName(segment);
    if (name === undefined) {
      // OpenAPI's and FastAPI's form, which Fastify would take as literal text
      const braced = /^\{(.*)\}$/.exec(segment)?.[1];
      if (braced !== undefined) check.fail('path', `a path whose parameters are written "<name>" or ":name" (write "<${braced}>")`, path);
      if (/[<>:*{}]/.test(segment)) {
        check.fail('path', 'made of plain segments and whole-segment parameters ("<name>" or ":name")', path);
      }
      return { fastify: segment, shape: segment };
    }
    if (!PARAM_NAME.test(name)) check.fail('path', `a path whose parameter names are identifiers ("${name}" is not)`, path);
    if (params.includes(name)) check.fail('path', `a path that names each parameter once ("${name}" is repeated)`, path);
    params.push(name);
    return { fastify: `:${name}`, shape: ':' };
  });
  return {
    written,
    fastify: segments.map((s) => s.fastify).join('/'),
    shape: segments.map((s) => s.shape).join('/'),
    params,
  };
}

/** `<name>` or `:name` as a whole segment: the name; otherwise undefined. */
function paramName(segment: string): string | undefined {
  if (segment.startsWith('<') && segment.endsWith('>')) return segment.slice(1, -1);
  if (segment.startsWith(':')) return segment.slice(1);
  return undefined;
}

/** The methods of a route: one or a list, in any case; GET when none are given. */
export function parseMethods(where: string, methods: unknown): RouteMethod[] {
  const check = checker(where);
  if (methods === undefined) return ['GET'];
  const list = typeof methods === 'string' ? [methods] : methods;
  if (!Array.isArray(list) || list.length === 0)
    return check.fail('options.methods', `a non-empty list of ${ROUTE_METHODS.join(', ')}`, methods);
  const out: RouteMethod[] = [];
  for (const m of list) {
    const upper = typeof m === 'string' ? m.toUpperCase() : m;
    if (upper === 'HEAD' || upper === 'OPTIONS') {
      check.fail('options.methods', `${ROUTE_METHODS.join(', ')} (HEAD is answered for every GET route, OPTIONS for every path)`, m);
    }
    if (!ROUTE_METHODS.includes(upper as RouteMethod)) check.fail('options.methods', `made of ${ROUTE_METHODS.join(', ')}`, methods);
    if (!out.includes(upper as RouteMethod)) out.push(upper as RouteMethod);
  }
  return out;
}
