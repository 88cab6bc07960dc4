// A body over `bodyLimit` answered 413 so that the client reads it. Answered while the client still
// sends, and the connection then closed (Fastify closes it after a body it refused), the unread
// rest of the body made the kernel reset the connection, and the client often got EPIPE or
// ECONNRESET instead of the 413.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes } from '../../shared/errors';
import { errorBody } from './error-replies';

const TOO_LARGE = 'FST_ERR_CTP_BODY_TOO_LARGE';

/**
 * A request with `Expect: 100-continue` whose Content-Length is over `bodyLimit` gets its 413
 * before the client sends the body (Node would answer `100 Continue` first); the others are let
 * through as Node does.
 */
export function refuseBeforeContinue(server: Server, bodyLimit: number, refused: (method: string) => void): void {
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length']) > bodyLimit) {
      refused(req.method ?? 'GET'); // answered outside Fastify, whose hook counts the others
      const text = JSON.stringify(errorBody('Request body is too large', ErrorCodes.PAYLOAD_TOO_LARGE));
      // no 100 sent: Node closes the connection after this answer, the client sends no body
      res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
}

/**
 * Bodies declared up to this many times `bodyLimit`, plus 16 MiB (about 20 MiB by default), are
 * read to their end before the 413; larger ones are not.
 */
const DISCARD_FACTOR = 4;
const DISCARD_SLACK = 16 * 1024 * 1024;

/**
 * When `err` is Fastify's refusal of a body whose Content-Length is over the limit (nothing of it
 * read yet): read the rest, discarded, and answer (`answer`) once it is in; true then. The client
 * has sent everything when the 413 and the close come. A client that stalls meanwhile gets 408 at
 * `requestTimeoutMs`, as any stalled body does. Only for a body declared within a few times the
 * limit: a client declaring gigabytes is not read for `requestTimeoutMs` (answered at once; it may
 * see the connection reset instead). A chunked body is answered at once too, as it passes the
 * limit: read on to its end, one that never ends (or comes slowly) was answered later or not at
 * all (408, or a reset after 20 MiB read).
 */
export function answerAfterBody(err: unknown, req: FastifyRequest, bodyLimit: number, answer: () => void): boolean {
  const raw = req.raw;
  const declared = Number(req.headers['content-length']);
  if ((err as { code?: unknown }).code !== TOO_LARGE || !(declared <= DISCARD_FACTOR * bodyLimit + DISCARD_SLACK) || raw.complete) {
    return false;
  }
  raw.once('end', answer);
  raw.resume();
  return true;
}
