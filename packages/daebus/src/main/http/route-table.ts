import type { FastifyInstance } from 'fastify';
import { ErrorCodes } from '../../shared/errors';
import { routeCorsConfig } from './cors';
import { errorBody } from './error-replies';
import type { ResolvedCors } from './options';
import type { RouteEntry } from './route-entry';
import { ROUTE_METHODS } from './route-path';
import type { RouteRunner } from './route-runner';

/** The routes of one path shape (`/users/:`): the methods they take, and the path Fastify knows it by. */
interface PathGroup {
  fastifyPath: string;
  written: string;
  methods: Set<string>;
}

/**
 * The app's routes, kept until the server starts and handed to Fastify then. Beside each
 * route, every path answers the methods it does not take with 405 (an `Allow` header naming
 * those it does) and OPTIONS with 204 (or, with CORS, a preflight).
 */
export class RouteTable {
  readonly #entries: RouteEntry[] = [];

  get size(): number {
    return this.#entries.length;
  }

  /** Whether a route of the app is written with exactly `path`. */
  routes(path: string): boolean {
    return this.#entries.some((entry) => entry.path.written === path);
  }

  /** The first route on `fastifyPath` (a path in Fastify's syntax), parameters' names aside. */
  on(fastifyPath: string): RouteEntry | undefined {
    const shape = fastifyPath
      .split('/')
      .map((segment) => (segment.startsWith(':') ? ':' : segment))
      .join('/');
    return this.#entries.find((entry) => entry.path.shape === shape);
  }

  add(entry: RouteEntry): void {
    this.#entries.push(entry);
  }

  /** Register every route on `fastify`; a route without its own timeout gets `timeoutMs`. */
  mount(fastify: FastifyInstance, runner: RouteRunner, cors: ResolvedCors | false, timeoutMs: number): void {
    const groups = new Map<string, PathGroup>();
    for (const entry of this.#entries) {
      const group = groups.get(entry.path.shape) ?? { fastifyPath: entry.path.fastify, written: entry.path.written, methods: new Set() };
      groups.set(entry.path.shape, group);
      for (const m of entry.methods) group.methods.add(m);
      const config = routeCorsConfig(cors, entry.methods);
      fastify.route({
        method: entry.methods,
        url: entry.path.fastify,
        handler: runner.handler({ ...entry, timeoutMs: entry.timeoutMs ?? timeoutMs }),
        ...(config ? { config } : {}),
      });
    }
    for (const group of groups.values()) mountPathAnswers(fastify, group, cors);
  }
}

/** 405 for the methods a path does not take, and OPTIONS. */
function mountPathAnswers(fastify: FastifyInstance, group: PathGroup, cors: ResolvedCors | false): void {
  const taken = [...group.methods];
  const allow = [...taken, ...(group.methods.has('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  const others = [...ROUTE_METHODS.filter((m) => !group.methods.has(m)), ...(group.methods.has('GET') ? [] : ['HEAD'])];
  if (others.length > 0) {
    fastify.route({
      method: others,
      url: group.fastifyPath,
      handler: (req, reply) => {
        const message = `${req.method} is not allowed on ${group.written}; it takes ${allow}.`;
        void reply
          .code(405)
          .header('allow', allow)
          .send(errorBody(message, ErrorCodes.METHOD_NOT_ALLOWED, { method: req.method, path: req.url }));
      },
    });
  }
  const config = routeCorsConfig(cors, taken);
  fastify.route({
    method: 'OPTIONS',
    url: group.fastifyPath,
    // with CORS the plugin answers preflights before this runs
    handler: (_req, reply) => void reply.code(204).header('allow', allow).send(),
    ...(config ? { config } : {}),
  });
}
