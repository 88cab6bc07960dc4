import { UNREADABLE_ERROR } from '../shared/errors';

/**
 * What a thread's crash sends to the supervisor must survive the copy to the main thread. Node
 * copies an uncaught error with its own fields only, and a DOMException (an AbortSignal's
 * reason, a fetch's abort) keeps its name and message on getters: on Node 20 the supervisor got
 * `{}` ("[object Object]"), on Node 24 an empty message. It is sent as a plain Error instead.
 * Node's copy also follows `cause` without a limit: a chain that loops (`e.cause = e`) never
 * ended on Node 20, and one longer than a few hundred errors never ended on 20, 22 or 24 (the
 * worker spun at full CPU and the supervisor saw no crash). Such a chain is cut.
 */
export function copyableError(err: unknown): unknown {
  try {
    // one whose message throws as it is read (a getter, a Proxy's trap) goes as UNREADABLE_ERROR:
    // Node's copy would have said "" or "{ message: [Getter] }"
    if (err !== null && typeof err === 'object') void (err as { message?: unknown }).message;
    if (!isError(err) || (causeChainFits(err) && !isDomException(err))) return err;
    return plainCopy(err, new Set());
  } catch {
    const unreadable = new Error(UNREADABLE_ERROR);
    unreadable.stack = `Error: ${UNREADABLE_ERROR}`; // this file's frames would say nothing of where it was thrown
    return unreadable;
  }
}

/** Causes kept when a chain is cut: enough to read, far below what Node's copy can take. */
const MAX_CAUSES = 50;

function isDomException(err: unknown): err is DOMException {
  return typeof DOMException !== 'undefined' && err instanceof DOMException;
}

function isError(value: unknown): value is Error {
  return value instanceof Error || isDomException(value);
}

/** True when following `cause` from `err` ends within MAX_CAUSES errors, with no error twice. */
function causeChainFits(err: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e = err; isError(e); e = e.cause) {
    if (seen.has(e) || seen.size === MAX_CAUSES) return false;
    seen.add(e);
  }
  return true;
}

/** The error as a plain Error (name, message, stack, code, details), its causes copied the same way, cut where they loop or run long. */
function plainCopy(err: Error, seen: Set<unknown>): Error {
  seen.add(err);
  const copy: Error & { code?: unknown } = new Error(err.message);
  copy.name = err.name;
  if (err.stack !== undefined) copy.stack = err.stack;
  const { code, details } = err as { code?: unknown; details?: unknown };
  if (typeof code === 'string' || typeof code === 'number') copy.code = code;
  if (details !== null && typeof details === 'object') Object.assign(copy, { details }); // a load failure's
  const { cause } = err;
  if (seen.has(cause)) copy.cause = '(the cause chain loops back to an earlier error here; cut)';
  else if (seen.size > MAX_CAUSES) copy.cause = `(the cause chain goes on past ${MAX_CAUSES} errors; cut)`;
  else if (isError(cause)) copy.cause = plainCopy(cause, seen);
  else if (cause !== undefined) copy.cause = cause;
  return copy;
}

/**
 * An unhandled rejection still crashes the thread, as Node's default does, with its reason made
 * copyable. When the user's code listens for unhandled rejections itself, it decides instead.
 */
export function crashOnUnhandledRejections(): void {
  const crash = (reason: unknown): void => {
    if (process.listenerCount('unhandledRejection') > 1) return;
    throw copyableError(reason);
  };
  process.on('unhandledRejection', crash);
}
