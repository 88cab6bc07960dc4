import { inspect } from 'node:util';

/** The codes of DaebusError, each with what it means. */
export const ErrorCodes = {
  /** An option given at registration is not valid; the message names it. */
  INVALID_OPTION: 'INVALID_OPTION',
  /** A thread, action or structure name is already registered. */
  DUPLICATE_NAME: 'DUPLICATE_NAME',
  /** No thread is registered under that name. */
  UNKNOWN_THREAD: 'UNKNOWN_THREAD',
  /** No background task is registered under that name (`app.backgroundTask(name)`, the task admin actions). */
  UNKNOWN_TASK: 'UNKNOWN_TASK',
  /** The thread's module could not be loaded, or does not export a `defineThread(...)` default. */
  THREAD_LOAD_FAILED: 'THREAD_LOAD_FAILED',
  /** An inline thread function referenced a variable of the scope it was written in. */
  THREAD_INLINE_SCOPE: 'THREAD_INLINE_SCOPE',
  /** An inline thread function cannot be sent as source text (native, bound, not a function). */
  THREAD_NOT_SHIPPABLE: 'THREAD_NOT_SHIPPABLE',
  /** The thread exited before it reached its first line of code. */
  THREAD_START_FAILED: 'THREAD_START_FAILED',
  /** The thread crashed too often and was given up on, or crashed under a `temporary` policy. */
  THREAD_FAILED: 'THREAD_FAILED',
  /** The thread neither called `running()` nor let its event loop turn for `stallTimeoutMs`, and `onStall: 'restart'` ended it. */
  THREAD_STALLED: 'THREAD_STALLED',
  /** The thread is not running (stopped, restarting, failed); the message says which. */
  THREAD_NOT_RUNNING: 'THREAD_NOT_RUNNING',
  /** A thread-side API was used outside a daebus worker thread. */
  NOT_IN_THREAD: 'NOT_IN_THREAD',
  /** The service was stopped while the operation was pending. */
  STOPPED: 'STOPPED',
  /** The service is stopping: the operation (a start, a registration that starts something) was refused. */
  SERVICE_STOPPING: 'SERVICE_STOPPING',
  /** The operation does not fit the service's state (started twice under another name, used before start). */
  INVALID_STATE: 'INVALID_STATE',
  /** An operation did not complete in time. */
  TIMEOUT: 'TIMEOUT',
  /** An argument of an operation is not valid (a key that is not a string, increment of a non-number, ...). */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** A value cannot be structured-cloned to another thread (functions, symbols, promises, proxies, ...). */
  NOT_CLONEABLE: 'NOT_CLONEABLE',
  /** A shared structure name is already used by a structure of another kind. */
  STATE_KIND_MISMATCH: 'STATE_KIND_MISMATCH',
  /** `request`, `response` or the handler logger used outside an action handler. */
  NOT_IN_HANDLER: 'NOT_IN_HANDLER',
  /** A request named an action the service does not have. */
  UNKNOWN_ACTION: 'UNKNOWN_ACTION',
  /** A message that is not a valid request: not JSON, not an object, no action, a payload that is not an object. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** A request larger than the service accepts. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** An action handler threw or answered with an error. */
  HANDLER_ERROR: 'HANDLER_ERROR',
  /** A reply that cannot be encoded as JSON (service side), or that a caller cannot read (not JSON, not UTF-8). */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** An action has as many handlers running and requests waiting as its limits allow: try again later. */
  BUSY: 'BUSY',
  /** A durable request was given up on: every replica that took it stopped before answering (maxAttempts). */
  DEAD_LETTER: 'DEAD_LETTER',
  /** An HTTP request for a path no route serves (404). */
  UNKNOWN_ROUTE: 'UNKNOWN_ROUTE',
  /** An HTTP request with a method its path's routes do not take (405; the `Allow` header lists those they do). */
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  /** A WebSocket client sent more messages than its rate limit allows: try again after `retry_after` seconds. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The HTTP or WebSocket server could not listen on its address (in use, not permitted, unknown host). */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** An action name starting with `daebus.`: those are the built-in actions every service answers. */
  RESERVED_NAME: 'RESERVED_NAME',
  /** An admin action (start, stop, restart a thread; pause, resume a task) on an app that did not enable them (`admin` option). */
  ADMIN_DISABLED: 'ADMIN_DISABLED',
  /** An admin action without the token the app requires, or with another one; a WebSocket handshake from an origin not allowed. */
  FORBIDDEN: 'FORBIDDEN',
  /** The remote service answered with an error; its text is the message. */
  REMOTE_ERROR: 'REMOTE_ERROR',
  /** Nobody is subscribed to the channel a request was sent to. */
  NO_SUBSCRIBER: 'NO_SUBSCRIBER',
  /** A thread, or the WebSocket server, has no handler for a message type sent to it. */
  NO_HANDLER: 'NO_HANDLER',
  /** The transport is closed or could not connect. */
  TRANSPORT_ERROR: 'TRANSPORT_ERROR',
  /** The library's own worker files are not beside it (daebus bundled into another file): no worker can start. */
  LIBRARY_FILES_MISSING: 'LIBRARY_FILES_MISSING',
} as const;

/** One of the `ErrorCodes`. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

/** One of the library's own codes (not Node's, nor a handler's own). */
export function isErrorCode(code: string): code is ErrorCode {
  return ERROR_CODES.has(code);
}

/** The plain form of an error, safe to structured-clone or JSON-encode. */
export interface PlainError {
  /** The error's name (`Error`, `TypeError`, `DaebusError`, ...). */
  name: string;
  /** Its code, when it has a string one. */
  code?: string;
  /** Its message; for a thrown value that is not an error, the value as text. */
  message: string;
  /** Its stack trace, when it has one. */
  stack?: string;
  /** Its `details`, when it has them (a DaebusError's). */
  details?: Record<string, unknown>;
  /** The HTTP status the error carries, as http-errors and Fastify's errors do: a route answers with it. */
  statusCode?: number;
  /** The HTTP status, when the error names it `status`. */
  status?: number;
  /** The error's `cause`, in the same form (three levels deep at most). */
  cause?: PlainError;
  /** An AggregateError's `errors` (the first 20), in the same form. */
  errors?: PlainError[];
}

/** Marks every DaebusError, whichever copy of the library made it (worker entries are bundled). */
const DAEBUS_ERROR = Symbol.for('daebus.error');

/**
 * One error class for everything the library throws or sends back, told apart by a stable
 * `code`. Errors cross MessagePorts and Redis as plain objects ({@link toPlainError}) and are
 * rebuilt with their code ({@link fromPlainError}).
 */
export class DaebusError extends Error {
  /** `instanceof` holds for a DaebusError from any copy of the library in this thread. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    try {
      return value !== null && typeof value === 'object' && (value as Record<symbol, unknown>)[DAEBUS_ERROR] === true;
    } catch {
      return false; // a Proxy whose trap throws, a revoked one: not ours
    }
  }

  /** Always `DaebusError`. */
  override name = 'DaebusError';
  /**
   * What went wrong: one of `ErrorCodes`, or the code an error rebuilt from its plain form carried.
   * (`string & {}` keeps an editor offering the known codes; any string still fits.)
   */
  readonly code: ErrorCode | (string & {});
  /** Facts about the error, when it has any (a REMOTE_ERROR's `remoteCode`, say). */
  readonly details?: Record<string, unknown>;
  /** The HTTP status a route that throws this error answers with (a 4xx or 5xx; any other is ignored: 500). */
  readonly statusCode?: number;

  constructor(
    code: ErrorCode | (string & {}),
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> | undefined; statusCode?: number | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.details !== undefined) this.details = options.details;
    if (options?.statusCode !== undefined) this.statusCode = options.statusCode;
    Object.defineProperty(this, DAEBUS_ERROR, { value: true });
  }
}

/**
 * Plain form of any thrown value. Read field by field, not with `instanceof` or a spread: errors
 * from another realm (a worker, a vm context) fail `instanceof Error`, and `message` and `stack`
 * are not enumerable. Never throws: a field whose getter throws (a Proxy's trap, a revoked Proxy)
 * is left out, and a value whose message cannot be read at all becomes UNREADABLE_ERROR.
 */
export function toPlainError(err: unknown, depth = 0): PlainError {
  try {
    return plainOf(err, depth);
  } catch {
    return { name: 'Error', message: UNREADABLE_ERROR };
  }
}

/** The message of a thrown value that throws as it is read: what the caller and the log are told. */
export const UNREADABLE_ERROR = 'An error that cannot be read was thrown (reading its fields threw).';

function plainOf(err: unknown, depth: number): PlainError {
  if (err === null || (typeof err !== 'object' && typeof err !== 'function')) return { name: 'Error', message: describeThrown(err) };
  const message = field(err, 'message');
  if (message === UNREADABLE) return { name: 'Error', message: UNREADABLE_ERROR };
  const code = field(err, 'code');
  if (typeof message !== 'string') {
    const plain: PlainError = { name: 'Error', message: describeThrown(err) };
    // a thrown plain object's code stays a code (`throw { code: 'OUT_OF_STOCK', sku }`)
    if (typeof code === 'string') plain.code = code;
    return plain;
  }
  const name = field(err, 'name');
  const plain: PlainError = { name: typeof name === 'string' ? name : 'Error', message };
  if (typeof code === 'string') plain.code = code;
  const stack = field(err, 'stack');
  if (typeof stack === 'string') plain.stack = stack;
  const details = field(err, 'details');
  if (details !== null && typeof details === 'object') plain.details = details as Record<string, unknown>;
  const statusCode = field(err, 'statusCode');
  if (typeof statusCode === 'number') plain.statusCode = statusCode;
  const status = field(err, 'status');
  if (typeof status === 'number') plain.status = status;
  // what the log would lose otherwise: the error it wraps, the errors it gathers
  if (depth < MAX_CAUSE_DEPTH) {
    const cause = field(err, 'cause');
    if (cause !== undefined && cause !== UNREADABLE) plain.cause = toPlainError(cause, depth + 1);
    const errors = gathered(field(err, 'errors'));
    if (errors !== undefined) plain.errors = errors.map((one) => toPlainError(one, depth + 1));
  }
  return plain;
}

const UNREADABLE = Symbol('unreadable');

/** One field of a thrown value; UNREADABLE when its getter (or a Proxy's trap) throws. */
function field(value: object, key: string): unknown {
  try {
    return (value as Record<string, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}

/** An AggregateError's first errors; undefined when there are none or they cannot be read (a revoked Proxy). */
function gathered(errors: unknown): unknown[] | undefined {
  try {
    return Array.isArray(errors) ? errors.slice(0, MAX_GATHERED) : undefined;
  } catch {
    return undefined;
  }
}

const MAX_CAUSE_DEPTH = 3;
const MAX_GATHERED = 20;

/**
 * The text of a thrown value that is not an error. A plain object or an array is its JSON text
 * ("[object Object]" would say nothing; Python Daebus sends str(dict), which keeps the content),
 * or, when JSON refuses it (a BigInt, a cycle), as Node prints it (`{ n: 1n }`); anything else is
 * String(value).
 */
export function describeThrown(value: unknown): string {
  try {
    return textOf(value);
  } catch {
    return 'a value that cannot be read (reading it threw)'; // a revoked Proxy, a toString that throws
  }
}

function textOf(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  let text: string;
  try {
    text = String(value);
  } catch {
    text = Object.prototype.toString.call(value); // no toString at all (a null prototype)
  }
  if (!Array.isArray(value) && text !== '[object Object]') return text; // a toString of its own says something
  try {
    return (JSON.stringify(value) as string | undefined) ?? text;
  } catch {
    return inspect(value, { breakLength: Infinity, depth: 4 }); // a cycle, a BigInt
  }
}

// rebuilt as their own class, so that `instanceof TypeError` holds on the other side too
const BUILTIN_ERRORS = new Map<string, ErrorConstructor>(
  [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError].map((kind) => [kind.name, kind]),
);

/** Rebuild an error from its plain form; known codes come back as {@link DaebusError}. */
export function fromPlainError(plain: PlainError): Error {
  const cause = plain.cause === undefined ? undefined : fromPlainError(plain.cause);
  const options = cause === undefined ? undefined : { cause };
  const errors = plain.errors?.map(fromPlainError);
  const builtin = BUILTIN_ERRORS.get(plain.name);
  // Node's own TypeErrors carry a code (ERR_INVALID_ARG_TYPE): still a TypeError, the code kept on it
  const err =
    plain.code !== undefined && builtin === undefined
      ? new DaebusError(plain.code, plain.message, { cause, details: plain.details })
      : errors !== undefined && plain.name === 'AggregateError'
        ? new AggregateError(errors, plain.message, options)
        : Object.assign(new (builtin ?? Error)(plain.message, options), plain.code === undefined ? {} : { code: plain.code });
  // an error with a code of its own (`class MyError { code = 'E_MINE' }`) keeps its name, as its stack says it
  if (plain.code === undefined || plain.name !== '') err.name = plain.name;
  if (errors !== undefined && !(err instanceof AggregateError)) (err as Error & { errors?: Error[] }).errors = errors;
  // none: a thrown string or object had none, and this one's would be the library's frames
  err.stack = plain.stack;
  if (plain.statusCode !== undefined) (err as Error & { statusCode?: number }).statusCode = plain.statusCode;
  if (plain.status !== undefined) (err as Error & { status?: number }).status = plain.status;
  return err;
}
