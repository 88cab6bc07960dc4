/**
 * One rule per kind of value the library checks, used by every public entry point on both sides
 * of the thread boundary. A failed check throws a DaebusError (INVALID_OPTION for options given
 * at registration or construction, INVALID_ARGUMENT for arguments of an operation) whose message
 * reads `<where>: <what> must be <constraint> (got <value>).`
 *
 * | rule       | accepts                                               | used for                         |
 * | ---------- | ----------------------------------------------------- | -------------------------------- |
 * | `name`     | a non-empty string                                    | services, actions, threads, ...  |
 * | `duration` | a finite number of milliseconds >= 0                  | delays, grace periods            |
 * | `timeout`  | a number of milliseconds > 0 and <= MAX_TIMEOUT_MS    | how long to wait for an answer   |
 * | `wait`     | a number of milliseconds >= 0, or Infinity            | queue waits (0: do not wait)     |
 * | `count`    | a whole number >= a minimum                           | sizes, limits                    |
 *
 * Operations that return a promise report a failed check as a rejection, never a synchronous
 * throw (they are `async`); synchronous operations throw.
 */
import { DaebusError, ErrorCodes, type ErrorCode } from './errors';
import { safeJson } from './json';

/** The longest timer Node can set (about 24.8 days); a larger delay would fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface Checker {
  fail(what: string, constraint: string, value: unknown): never;
  name(what: string, value: unknown): string;
  duration(what: string, value: unknown): number;
  timeout(what: string, value: unknown): number;
  wait(what: string, value: unknown): number;
  count(what: string, value: unknown, min: number): number;
  fn<F>(what: string, value: F): F;
  oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T;
  plainObject(what: string, value: unknown): Record<string, unknown>;
  /** Refuse keys of `value` that are not in `known`. */
  knownKeys(what: string, value: object, known: ReadonlySet<string> | readonly string[]): void;
}

/** The checks for values given at `where` (e.g. `Thread "x"`), failing with `code`. */
export function checker(where: string, code: ErrorCode = ErrorCodes.INVALID_OPTION): Checker {
  const fail = (what: string, constraint: string, value: unknown): never => {
    throw new DaebusError(code, `${where}: ${what} must be ${constraint} (got ${show(value)}).`, { details: { where, what } });
  };
  return {
    fail,
    name: (what, value) => (typeof value === 'string' && value.length > 0 ? value : fail(what, 'a non-empty string', value)),
    duration: (what, value) => (isFiniteNumber(value) && value >= 0 ? value : fail(what, 'a finite number of milliseconds >= 0', value)),
    timeout: (what, value) =>
      typeof value === 'number' && value > 0 && value <= MAX_TIMEOUT_MS
        ? value
        : fail(what, `a number of milliseconds > 0 and at most ${MAX_TIMEOUT_MS}`, value),
    wait: (what, value) =>
      typeof value === 'number' && value >= 0 ? value : fail(what, 'a number of milliseconds >= 0 (or Infinity)', value),
    count: (what, value, min) =>
      Number.isInteger(value) && (value as number) >= min ? (value as number) : fail(what, `a whole number >= ${min}`, value),
    fn: (what, value) => (typeof value === 'function' ? value : fail(what, 'a function', value)),
    oneOf: <T extends string>(what: string, value: unknown, allowed: readonly T[]): T =>
      allowed.includes(value as T) ? (value as T) : fail(what, orList(allowed.map((a) => `'${a}'`)), value),
    plainObject: (what, value) =>
      value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : fail(what, 'an object', value),
    knownKeys: (what, value, known) => {
      const set = known instanceof Set ? known : new Set(known as readonly string[]);
      for (const key of Object.keys(value)) {
        if (set.has(key)) continue;
        throw new DaebusError(code, `${where}: unknown option "${key}" in ${what} (known: ${[...set].join(', ')}).`, {
          details: { where, what: `${what}.${key}` },
        });
      }
    },
  };
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** `obj` without its undefined fields, so that defaults fill them. */
export function withoutUndefined<T extends object>(obj: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}

/** A value as an error message shows it. */
export function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'bigint') return `${value}n`;
  return safeJson(value);
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] as string}`;
}
