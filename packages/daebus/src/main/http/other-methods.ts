import type { FastifyInstance } from 'fastify';
import { ErrorCodes } from '../../shared/errors';
import { errorBody } from './error-replies';

/**
 * Answer 405, with an `Allow` header naming `allow`, every method the server knows (TRACE,
 * PROPFIND, ...) on `url` except those in `passed` and OPTIONS; HEAD goes with GET. `written` is
 * the path as the user wrote it, for the message.
 */
export function refuseOtherMethods(
  fastify: FastifyInstance,
  url: string,
  written: string,
  passed: ReadonlySet<string>,
  allow: string,
): void {
  const others = fastify.supportedMethods.filter((m) => !passed.has(m) && m !== 'OPTIONS' && !(m === 'HEAD' && passed.has('GET')));
  if (others.length === 0) return;
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

/**
 * 405 for every method but GET (and HEAD) on a path the server answers with GET only, except
 * those the app's own routes take there (`POST /<name>` still gets `POST /healthz`).
 */
export function refuseAllButGet(fastify: FastifyInstance, url: string, appTakes: ReadonlySet<string>, written = url): void {
  refuseOtherMethods(fastify, url, written, new Set(['GET', ...appTakes]), 'GET, HEAD');
}
