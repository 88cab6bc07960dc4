// The JSON bodies of HTTP errors, and the status a failure gets. Every error answer is
// `{ "error": message, "code": CODE }` (Python Daebus sends `{ "error": message }` for a thrown
// error, `{ "status": "error", "error": message }` for response.error; the code is added), and
// never a stack.
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';

/** An HTTP error answer's JSON body. */
export interface ErrorBody {
  error: string;
  code: string;
  [extra: string]: unknown;
}

export function errorBody(message: string, code: string, extra?: Record<string, unknown>): ErrorBody {
  return extra === undefined ? { error: message, code } : { error: message, code, ...extra };
}

/** An HTTP status of an error response: a whole number from 400 to 599. */
export function isErrorStatus(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 400 && (value as number) <= 599;
}

/** A status of any response: a whole number from 200 to 599 (1xx are not for handlers). */
export function isStatus(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 200 && (value as number) <= 599;
}

/**
 * The status of a library error a handler let through that says "try again later", not "a bug":
 * Redis (or the service called) out of reach, a stop, a service or thread that cannot take the
 * call now, a call past its timeout. A load balancer or a client retries a 503 or 504; before,
 * all were 500.
 */
const PASSING_FAILURES: ReadonlyMap<string, number> = new Map([
  [ErrorCodes.TRANSPORT_ERROR, 503],
  [ErrorCodes.NO_SUBSCRIBER, 503],
  [ErrorCodes.STOPPED, 503],
  [ErrorCodes.BUSY, 503],
  [ErrorCodes.THREAD_NOT_RUNNING, 503],
  [ErrorCodes.TIMEOUT, 504],
]);

/** A service called that is busy or stopping (REMOTE_ERROR with that `remoteCode`): 503, as the same error here. */
function remoteStatus(err: DaebusError): number | undefined {
  const remote = err.code === ErrorCodes.REMOTE_ERROR ? err.details?.['remoteCode'] : undefined;
  return remote === ErrorCodes.BUSY || remote === ErrorCodes.STOPPED ? 503 : undefined;
}

/**
 * What a route handler that threw answers: the status the error carries as `statusCode` or
 * `status` (as http-errors and Fastify's errors do), when that is a 4xx or 5xx; else 503 or 504
 * for a library error that passes (PASSING_FAILURES); else 500. The body has the error's message
 * and code (HANDLER_ERROR when it has none).
 */
export function thrownReply(err: unknown): { status: number; body: ErrorBody } {
  const plain = toPlainError(err);
  const e = err as { statusCode?: unknown; status?: unknown } | null;
  const carried = e !== null && typeof e === 'object' ? (isErrorStatus(e.statusCode) ? e.statusCode : e.status) : undefined;
  const passing = err instanceof DaebusError ? (PASSING_FAILURES.get(err.code) ?? remoteStatus(err)) : undefined;
  const status = isErrorStatus(carried) ? carried : (passing ?? 500);
  return { status, body: errorBody(plain.message, plain.code ?? ErrorCodes.HANDLER_ERROR) };
}

/**
 * What Fastify's own errors (before a handler runs: the body's parsing, its size, its media
 * type) answer: their status, with a daebus code: 413 PAYLOAD_TOO_LARGE, another 4xx
 * BAD_REQUEST (malformed JSON, an empty JSON body, an unsupported media type), else 500.
 */
export function frameworkReply(err: unknown): { status: number; body: ErrorBody } {
  const plain = toPlainError(err);
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  const status = isErrorStatus(statusCode) ? statusCode : 500;
  if (status === 413) return { status, body: errorBody(plain.message, ErrorCodes.PAYLOAD_TOO_LARGE) };
  if (status < 500) return { status, body: errorBody(plain.message, ErrorCodes.BAD_REQUEST) };
  return { status, body: errorBody('Internal server error', err instanceof DaebusError ? err.code : ErrorCodes.HANDLER_ERROR) };
}
