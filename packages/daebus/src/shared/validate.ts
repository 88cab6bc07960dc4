/**
 * One rule per kind of value the library checks, used by every public entry point on both sides
 * of the thread boundary. A failed check throws a DaebusError (INVALID_OPTION for options given
 * at registration or construction, INVALID_ARGUMENT for arguments of an operation) whose message
 * reads `<where>: <what> must be <constraint> (got <value>).`
 *
 * | rule       | accepts                                               | used for                         |
 * | ---------- | ----------------------------------------------------- | -------------------------------- |
 * | `name`     | a non-empty string                                    | services, actions, threads, ...  |
 * | `duration` | a number of milliseconds >= 0 and <= MAX_TIMEOUT_MS   | delays, grace periods            |
 * | `timeout`  | a number of milliseconds > 0 and <= MAX_TIMEOUT_MS    | how long to wait for an answer   |
 * | `wait`     | a number of milliseconds >= 0, or Infinity            | queue waits (0: do not wait)     |
 * | `count`    | a whole number >= a minimum                           | sizes, limits                    |
 *
 * Operations that return a promise report a failed check as a rejection, never a synchronous
 * throw (they are `async`); synchronous operations throw.
 */
import { DaebusError, ErrorCodes, type ErrorCode } from './errors';
import { clipped } from './clipped';
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
  flag(what: string, value: unknown): boolean;
  oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T;
  plainObject(what: string, value: unknown): Record<string, unknown>;
  /** Refuse keys of `value` that are not in `known`. */
  knownKeys(what: string, value: object, known: ReadonlySet<string> | readonly string[]): void;
}

/**
 * The checks for values given at `where` (e.g. `Thread "x"`), failing with `code`. Cheap to make
 * (one small object); on a hot path, test with the predicates below first and make the checker
 * only to report a failure.
 */
export function checker(where: string, code: ErrorCode = ErrorCodes.INVALID_OPTION): Checker {
  return new Checks(where, code);
}

class Checks implements Checker {
  constructor(
    readonly where: string,
    readonly code: ErrorCode,
  ) {}

  fail(what: string, constraint: string, value: unknown): never {
    throw new DaebusError(this.code, `${this.where}: ${what} must be ${constraint} (got ${show(value)}).`, {
      details: { where: this.where, what },
    });
  }

  name(what: string, value: unknown): string {
    return isName(value) ? value : this.fail(what, 'a non-empty string', value);
  }

  flag(what: string, value: unknown): boolean {
    return typeof value === 'boolean' ? value : this.fail(what, 'true or false', value);
  }

  duration(what: string, value: unknown): number {
    return isFiniteNumber(value) && value >= 0 && value <= MAX_TIMEOUT_MS
      ? value
      : this.fail(what, `a number of milliseconds from 0 to ${MAX_TIMEOUT_MS} (about 24.8 days)`, value);
  }

  timeout(what: string, value: unknown): number {
    return isTimeout(value) ? value : this.fail(what, `a number of milliseconds > 0 and at most ${MAX_TIMEOUT_MS}`, value);
  }

  wait(what: string, value: unknown): number {
    return isWait(value) ? value : this.fail(what, 'a number of milliseconds >= 0 (or Infinity)', value);
  }

  count(what: string, value: unknown, min: number): number {
    return Number.isInteger(value) && (value as number) >= min ? (value as number) : this.fail(what, `a whole number >= ${min}`, value);
  }

  fn<F>(what: string, value: F): F {
    return typeof value === 'function' ? value : this.fail(what, 'a function', value);
  }

  oneOf<T extends string>(what: string, value: unknown, allowed: readonly T[]): T {
    return allowed.includes(value as T) ? (value as T) : this.fail(what, orList(allowed.map((a) => `'${a}'`)), value);
  }

  plainObject(what: string, value: unknown): Record<string, unknown> {
    return isPlainObject(value) ? value : this.fail(what, 'an object', value);
  }

  knownKeys(what: string, value: object, known: ReadonlySet<string> | readonly string[]): void {
    const set = known instanceof Set ? known : new Set(known as readonly string[]);
    for (const key of Object.keys(value)) {
      if (set.has(key)) continue;
      throw new DaebusError(this.code, `${this.where}: unknown option "${key}" in ${what} (known: ${[...set].join(', ')}).`, {
        details: { where: this.where, what: `${what}.${key}` },
      });
    }
  }
}

export function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

export function isTimeout(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && value <= MAX_TIMEOUT_MS;
}

export function isWait(value: unknown): value is number {
  return typeof value === 'number' && value >= 0;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  try {
    return !Array.isArray(value);
  } catch {
    return false; // a revoked Proxy: refused as not an object, rather than a TypeError with no code
  }
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
  // JSON would show NaN and Infinity as null
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  // a 10 000-character name or path is not repeated in full in the message
  return clipped(safeJson(value), 200);
}

/** `a`, `a or b`, `a, b or c`. */
function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1] as string}`;
}
