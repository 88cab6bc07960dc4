import { DaebusError, ErrorCodes, toPlainError } from './errors';

/**
 * How deep a value may nest and still be copied between threads. Structured clone recurses: past
 * somewhere between 1 000 and 2 000 levels (it depends on the stack left) it fails. Values
 * nested up to this many levels always copy.
 */
export const MAX_NESTING = 1_000;

/**
 * The error for a value that cannot be copied to another thread (structured clone): functions,
 * symbols, class instances with private state, values nested too deep. `what` says where it was
 * going; `value`, when given, lets a nesting failure say how deep the value is.
 */
export function notCloneable(what: string, err: unknown, value?: unknown): DaebusError {
  // by name: the error may come from another realm (a worker, a vm context)
  if ((err as { name?: unknown } | null)?.name === 'RangeError') {
    const depth = value === undefined ? undefined : nestingDepth(value);
    return new DaebusError(
      ErrorCodes.NOT_CLONEABLE,
      `${what}: the value is nested ${depth === undefined ? 'too' : `${depth} levels`} deep to copy between threads; ` +
        `values shared with threads can nest up to ${MAX_NESTING} levels. Flatten it (store its parts under separate keys).`,
      { cause: err, details: { maxNesting: MAX_NESTING, ...(depth === undefined ? {} : { depth }) } },
    );
  }
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
    throw notCloneable(what, err, value);
  }
}

/** How many levels of objects and arrays `value` nests (counted without recursion; stops counting at 1 000 000). */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  const seen = new Set<object>();
  while (stack.length > 0 && deepest < 1_000_000) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    deepest = Math.max(deepest, depth + 1);
    const children =
      current instanceof Map
        ? [...current.values()]
        : Array.isArray(current) || current instanceof Set
          ? [...current]
          : Object.values(current);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return deepest;
}
