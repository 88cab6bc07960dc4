import type { FastifyInstance } from 'fastify';
import { routeCorsConfig } from './cors';
import type { ResolvedCors } from './options';
import { answerOtherMethods } from './other-methods';
import type { RouteEntry } from './route-entry';
import type { RouteRunner } from './route-runner';
import { covers, findOverlaps, type ShapedGroup } from './route-overlaps';

/** The routes of one path shape (`/users/:`): the methods they take, and the path Fastify knows it by. */
interface PathGroup extends ShapedGroup {
  fastifyPath: string;
  written: string;
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

  /** The methods the app's routes take on the concrete `path` (a parameter path's routes included). */
  takenOn(path: string): Set<string> {
    const segments = path.split('/');
    return new Set(this.#entries.filter((entry) => covers(entry.path.shape.split('/'), segments)).flatMap((entry) => entry.methods));
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
      const { fastify: fastifyPath, written, shape } = entry.path;
      const group = groups.get(shape) ?? { fastifyPath, written, shape, methods: new Set(), elsewhere: new Set(), somewhere: new Set() };
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
    findOverlaps(groups.values());
    for (const group of groups.values()) mountPathAnswers(fastify, group, cors);
  }
}

/**
 * 405 for the methods a path does not take, and OPTIONS. A method that a route of a parameter
 * path takes on it (`GET /users/<id>` for `/users/me`) is left to that route, as other routers do;
 * so is one a route takes on some of its paths only (a 405 here would shadow that route, the router
 * matching the written segment first), at the price of a 404 instead of a 405 on the others.
 */
function mountPathAnswers(fastify: FastifyInstance, group: PathGroup, cors: ResolvedCors | false): void {
  const served = new Set([...group.methods, ...group.elsewhere]);
  answerOtherMethods(fastify, { url: group.fastifyPath, written: group.written, served, passed: group.somewhere }, cors);
}
