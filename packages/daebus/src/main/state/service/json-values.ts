import { clipped } from '../../../shared/clipped';
import { cloneCulprit, describeCulprit } from '../../../shared/clone-culprit';
import { DaebusError, ErrorCodes } from '../../../shared/errors';
import { writeName, type StateCall } from '../../../shared/state-ops';

/**
 * A value of a service-wide structure as Redis stores it: JSON text. A refusal names the write `call`
 * (made only then: writes are hot) and, for a merge, the `key` that holds the value.
 */
export function encodeValue(call: StateCall, value: unknown, key?: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, refuseLossy);
  } catch (err) {
    const where = writeName(call);
    const whole = key === undefined ? value : { [key]: value };
    if (err === LOSSY) {
      const found = findLossy(whole, '', false, new Set());
      const at = found?.path ? `the value at ${found.path}` : 'the value';
      throw new DaebusError(
        ErrorCodes.INVALID_ARGUMENT,
        `${where}: the value cannot be stored as JSON (${at} ${found?.why ?? 'is not JSON'}).`,
      );
    }
    if (err !== UNCLONEABLE)
      throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `${where}: the value cannot be stored as JSON (${(err as Error).message}).`);
    // refused with the code an in-process structure gives, naming where the function is
    const culprit = cloneCulprit(whole);
    throw new DaebusError(
      ErrorCodes.NOT_CLONEABLE,
      `${where}: ${culprit ? describeCulprit(culprit) : 'it holds a function or a symbol'}, which JSON would drop without a word. ` +
        'A service-wide structure stores JSON data: objects, arrays, strings, numbers, booleans, null.',
      culprit ? { details: { culprit: culprit.kind, path: culprit.path } } : {},
    );
  }
  if (text === undefined)
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      `${writeName(call)}: a service-wide structure stores JSON data, not ${typeof value}.`,
    );
  return text;
}

/** A function or a symbol inside the value: JSON would drop it without a word, a thread's port refuses it. */
const UNCLONEABLE = new Error('not cloneable');
/** A part JSON would store as something else: where, and why, is found once the write is refused (see findLossy). */
const LOSSY = new Error('lossy');

/** Refuses, as JSON.stringify meets them, the parts it would drop or store as something else (see lossy). */
function refuseLossy(this: unknown, key: string, value: unknown): unknown {
  if ((typeof value === 'function' || typeof value === 'symbol') && key !== '') throw UNCLONEABLE;
  if (lossy(value, Array.isArray(this)) !== undefined) throw LOSSY;
  return value;
}

/**
 * Why JSON.stringify would store `value` as something else without a word (a Map, a Set, a
 * RegExp, an Error, a Promise or a WeakRef as {}, a Uint8Array as {"0": ...}, a
 * SharedArrayBuffer as {}, NaN and Infinity as null, undefined in an array as null): a value read
 * back must be the value stored, so they are refused. What has a toJSON (a Date, a Buffer) is
 * stored as that, as JSON means; undefined as a property is left out, as JSON means.
 */
function lossy(value: unknown, inArray: boolean): string | undefined {
  if (value === undefined) return inArray ? 'is undefined in an array, which JSON stores as null; store null instead' : undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `is ${value}, which JSON has no number for`;
  if (typeof value !== 'object' || value === null) return undefined;
  if (value instanceof Map || value instanceof Set) return `is a ${value.constructor.name}; store an object or an array instead`;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer)
    return `is ${aOrAn(value.constructor.name)}; store an array of numbers, or a base64 string, instead`;
  const empty = value instanceof Promise || value instanceof WeakMap || value instanceof WeakSet || value instanceof WeakRef;
  if (value instanceof RegExp || value instanceof Error || empty)
    return `is ${aOrAn(value.constructor.name)}, which JSON stores as {}; store plain data (its source, its message) instead`;
  return undefined;
}

/** Where the first part `lossy` refuses is (`a.b[2]`), walked as JSON.stringify walks: only once a write was refused. */
function findLossy(value: unknown, path: string, inArray: boolean, seen: Set<object>): { path: string; why: string } | undefined {
  const json = (value as { toJSON?: unknown } | null | undefined)?.toJSON;
  const plain = typeof json === 'function' ? (json as () => unknown).call(value) : value;
  const why = lossy(plain, inArray);
  if (why !== undefined) return { path, why };
  if (typeof plain !== 'object' || plain === null || seen.has(plain)) return undefined;
  seen.add(plain);
  const entries: [string, unknown][] = Array.isArray(plain)
    ? plain.map((item, i) => [`${path}[${i}]`, item])
    : Object.entries(plain).map(([k, item]) => [path ? `${path}.${k}` : k, item]);
  for (const [at, item] of entries) {
    const found = findLossy(item, at, Array.isArray(plain), seen);
    if (found) return found;
  }
  return undefined;
}

/** Half of a UTF-16 pair alone: Redis stores a key as UTF-8, which has no such character (it became U+FFFD, another key). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Refuse a map key Redis would store as another key. */
export function checkKey(where: string, key: string): void {
  if (LONE_SURROGATE.test(key)) {
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      `${where}: the key ${JSON.stringify(key)} holds half of a UTF-16 surrogate pair alone, which Redis cannot store as given (it would become another key); use well-formed text.`,
    );
  }
}

function aOrAn(name: string): string {
  return `${/^[AEIO]/.test(name) ? 'an' : 'a'} ${name}`; // a Uint8Array, an Int8Array
}

/**
 * A stored value; one that is not JSON throws a SyntaxError naming where it is (`key "x"`, `index 3`,
 * `entry 1-0`), made only then: reads are a hot path.
 */
export function decodeValue(text: string | null | undefined, where: 'key' | 'index' | 'entry', at: string | number): unknown {
  if (text === null || text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const name = where === 'key' ? JSON.stringify(clipped(String(at))) : at;
    throw new SyntaxError(`at ${where} ${name}: ${(err as Error).message}`);
  }
}

/** JSON objects keyed by field, without letting a "__proto__" key set a prototype. */
export function decodeEntries(hash: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(hash).map(([key, text]) => [key, decodeValue(text, 'key', key)]));
}
