// The WebSocket endpoint's check of a handshake's Origin against the CORS allow-list. Browsers
// apply no CORS to WebSockets and send the site's cookies with a handshake opened by any page: with
// no check, a page of any site could talk to the endpoint as its user (cross-site WebSocket
// hijacking). Refused before the upgrade (403): no connection, no connect hook, no client slot.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes } from '../../shared/errors';
import { errorBody } from './error-replies';
import type { ResolvedCors } from './options';

type OriginCheck = (req: FastifyRequest, reply: FastifyReply, done: () => void) => void;

/**
 * A hook refusing a handshake whose Origin is not in `cors.allowedOrigins`; undefined when there
 * is no such list (no CORS, no origins given, or `'*'` among them). A handshake without Origin is
 * not a browser's (browsers always send one) and is let through.
 */
export function originCheck(cors: ResolvedCors | false | undefined): OriginCheck | undefined {
  const origins = cors === false || cors === undefined ? undefined : cors.allowedOrigins;
  if (origins === undefined || origins.includes('*')) return undefined;
  const allowed = new Set(origins);
  return (req, reply, done) => {
    const origin = req.headers.origin;
    if (origin === undefined || allowed.has(origin)) {
      done();
      return;
    }
    const message = `A WebSocket from origin ${JSON.stringify(origin).slice(0, 200)} is refused: it is not in cors.allowedOrigins.`;
    // answered here, so done is not called: the upgrade never happens
    // the connection ends with the answer: a keep-alive client must not send on it again
    void reply.code(403).header('connection', 'close').send(errorBody(message, ErrorCodes.FORBIDDEN));
  };
}
