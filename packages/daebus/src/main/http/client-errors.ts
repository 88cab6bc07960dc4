import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCodes } from '../../shared/errors';
import { errorBody } from './error-replies';

/** The method label of an answer to a request Node could not parse (its method is not known). */
export const NOT_PARSED = '(not parsed)';

/**
 * What a connection gets when Node gives up on its request before a route sees it (Fastify's
 * `clientErrorHandler`): 408 when it was not received whole within `requestTimeoutMs` (a client
 * that stalled mid-body), 431 for headers too large, 400 for bytes that are not HTTP; with the
 * documented `{ error, code }` body (Fastify's has none), and the connection closed.
 */
export function clientErrorReply(
  requestTimeoutMs: number,
  answered: (status: number) => void,
): (err: Error & { code?: string }, socket: Socket) => void {
  return (err, socket) => {
    // a connection reset: nobody to answer
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, body] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, errorBody(`The request was not received whole within ${requestTimeoutMs} ms (requestTimeoutMs).`, ErrorCodes.TIMEOUT)]
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, errorBody('The request headers are too large.', ErrorCodes.BAD_REQUEST)]
          : [400, errorBody('The request is not valid HTTP.', ErrorCodes.BAD_REQUEST)];
    // as Node does: no answer in the middle of one already being written (a pipelined request's)
    const current = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (socket.writable && current?.headersSent !== true) {
      const text = JSON.stringify(body);
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
      );
      answered(status);
    }
    socket.destroy(err);
  };
}
