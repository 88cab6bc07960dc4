// CORS with Python Daebus's options (`cors_config`) on @fastify/cors: the plugin writes the
// headers and answers preflights; this maps the options and narrows each route's preflight to
// its own methods, as Daebus does.
import type { FastifyCorsOptions } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';
import type { ResolvedCors } from './options';
import { ROUTE_METHODS } from './route-path';

/** The plugin's options for the whole server; a preflight for a path no route serves gets 404. */
export function corsPluginOptions(cors: ResolvedCors): FastifyCorsOptions {
  const wildcard = (list: string[] | undefined): boolean => list === undefined || list.includes('*');
  const base = {
    // Daebus: no origins configured answers `*`; `'*'` among them echoes the caller's origin
    origin: cors.allowedOrigins === undefined ? '*' : cors.allowedOrigins.includes('*') ? true : cors.allowedOrigins,
    methods: wildcard(cors.allowedMethods) ? [...ROUTE_METHODS] : (cors.allowedMethods as string[]),
    allowedHeaders: wildcard(cors.allowedHeaders) ? null : (cors.allowedHeaders as string[]),
    exposedHeaders: cors.exposeHeaders ?? null,
    credentials: cors.allowCredentials === true,
    maxAge: cors.maxAge ?? null,
    strictPreflight: false,
  } as unknown as FastifyCorsOptions;
  const none = { ...base, origin: false };
  // the plugin leaves out only Allow-Origin for an origin not in the list (credentials and exposed
  // headers would still go out): such an origin gets no CORS headers at all
  const listed = cors.allowedOrigins !== undefined && !cors.allowedOrigins.includes('*') ? new Set(cors.allowedOrigins) : undefined;
  return {
    hook: 'onRequest',
    // the plugin's catch-all OPTIONS route would answer a preflight for any path
    delegator: (req: FastifyRequest, callback: (error: Error | null, options: FastifyCorsOptions) => void) => {
      const refused = req.routeOptions.url === '*' || (listed !== undefined && !listed.has(req.headers.origin ?? ''));
      callback(null, refused ? none : base);
    },
  } as FastifyCorsOptions;
}

/**
 * A route's own CORS config: its preflight allows its methods (within `allowedMethods`). When
 * none of them is allowed it has no CORS at all (not a preflight allowing nothing).
 */
export function routeCorsConfig(
  cors: ResolvedCors | false,
  methods: readonly string[],
): { cors: { methods: string[] } | false } | undefined {
  if (cors === false) return undefined;
  const allowed = cors.allowedMethods;
  const own = allowed === undefined || allowed.includes('*') ? [...methods] : methods.filter((m) => allowed.includes(m));
  return { cors: own.length > 0 ? { methods: own } : false };
}
