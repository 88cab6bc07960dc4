import type { FastifyInstance } from 'fastify';
import { ErrorCodes } from '../../shared/errors';
import { routeCorsConfig } from './cors';
import { errorBody } from './error-replies';
import type { ResolvedCors } from './options';

/** A path's answers beside its routes: what it serves, and how it was written (for messages). */
export interface PathMethods {
  /** The path in Fastify's syntax. */
  url: string;
  /** The path as the user wrote it, or what names it in a message. */
  written: string;
  /** The methods served there, named in `Allow` (HEAD goes with GET). */
  served: ReadonlySet<string>;
  /** Methods other routes take on some of its paths: neither refused nor named. */
  passed?: ReadonlySet<string>;
}

/**
 * Answer every method the server knows (TRACE, PROPFIND, ...) that the path neither serves nor
 * passes with 405 and an `Allow` header, and OPTIONS with 204 and the same header (with CORS,
 * the plugin answers a preflight before this runs).
 */
export function answerOtherMethods(fastify: FastifyInstance, path: PathMethods, cors: ResolvedCors | false): void {
  const { url, written, served } = path;
  const allow = [...served, ...(served.has('GET') ? ['HEAD'] : []), 'OPTIONS'].join(', ');
  const passed = new Set([...served, ...(path.passed ?? [])]);
  const others = fastify.supportedMethods.filter((m) => !passed.has(m) && m !== 'OPTIONS' && !(m === 'HEAD' && passed.has('GET')));
  if (others.length > 0) {
    fastify.route({
      method: others,
      url,
      handler: (req, reply) => {
        const message = `${req.method} is not allowed on ${written}; it takes ${allow}.`;
        void reply
          .code(405)
          .header('allow', allow)
          .send(errorBody(message, ErrorCodes.METHOD_NOT_ALLOWED, { method: req.method, path: req.url }));
      },
    });
  }
  const config = routeCorsConfig(cors, [...served]);
  fastify.route({
    method: 'OPTIONS',
    url,
    handler: (_req, reply) => void reply.code(204).header('allow', allow).send(),
    ...(config ? { config } : {}),
  });
}

/**
 * The answers of a path the server itself serves with GET (`/healthz`, the WebSocket endpoint),
 * with the methods the app's own routes take there (`POST /<name>` still gets `POST /healthz`)
 * served and named too.
 */
export function answerBesideGet(
  fastify: FastifyInstance,
  url: string,
  appTakes: ReadonlySet<string>,
  cors: ResolvedCors | false,
  written = url,
): void {
  answerOtherMethods(fastify, { url, written, served: new Set(['GET', ...appTakes]) }, cors);
}
