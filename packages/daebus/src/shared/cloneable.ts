import { DaebusError, ErrorCodes, toPlainError } from './errors';

/**
 * The error for a value that cannot be copied to another thread (structured clone): functions,
 * symbols, class instances with private state, ... `what` says where it was going.
 */
export function notCloneable(what: string, err: unknown): DaebusError {
  return new DaebusError(
    ErrorCodes.NOT_CLONEABLE,
    `${what}: the value cannot be copied to another thread (${toPlainError(err).message}). ` +
      'Store and send plain data: objects, arrays, strings, numbers, Maps, Dates; no functions or class instances with private fields.',
    { cause: err },
  );
}

/** A structured-clone copy of `value`, or NOT_CLONEABLE. */
export function cloneOrThrow<T>(what: string, value: T): T {
  try {
    return structuredClone(value);
  } catch (err) {
    throw notCloneable(what, err);
  }
}
