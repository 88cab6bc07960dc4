import { types } from 'node:util';
import { cloneCulprit, describeCulprit, keySegment } from './clone-culprit';
import { DaebusError, ErrorCodes, toPlainError } from './errors';

/**
 * How deep a value may nest and still be copied between threads. Structured clone recurses: past
 * somewhere between 1 000 and 2 000 levels (it depends on the stack left) it fails. Values
 * nested up to this many levels always copy.
 */
export const MAX_NESTING = 1_000;

/** What every NOT_CLONEABLE message advises. */
export const PLAIN_DATA =
  'Store and send plain data: objects, arrays, strings, numbers, Maps, Dates; no functions, promises, proxies or weak collections ' +
  '(a class instance arrives as a plain object of its own fields).';

/** Told where the structure may be service-wide (refused before its scope is known): its values are JSON. */
const SERVICE_WIDE_DATA = 'A service-wide structure stores JSON data only: no Maps or Sets, and a Date is read back as its ISO string.';

/**
 * The error for a value that cannot be copied to another thread (structured clone): functions,
 * symbols, promises, proxies, host objects, values nested too deep. `what` says where it was
 * going; `value`, when given, lets a nesting failure say how deep the value is.
 */
export function notCloneable(what: string, err: unknown, value?: unknown): DaebusError {
  // by name: the error may come from another realm (a worker, a vm context)
  if ((err as { name?: unknown } | null)?.name === 'RangeError') {
    const counted = value === undefined ? undefined : nestingDepth(value);
    // counted within the limit, yet too deep to copy: it nests under an array's extra (non-index)
    // properties, which clone copies and the count skips (before: "nested 1 levels deep")
    const depth = counted !== undefined && counted > MAX_NESTING ? counted : undefined;
    const how =
      depth !== undefined ? `${depth} levels` : counted !== undefined ? "too (through an array's extra, non-index properties)" : 'too';
    return new DaebusError(
      ErrorCodes.NOT_CLONEABLE,
      `${what}: the value is nested ${how} deep to copy between threads; ` +
        `values shared with threads can nest up to ${MAX_NESTING} levels. Flatten it (store its parts under separate keys).`,
      { cause: err, details: { maxNesting: MAX_NESTING, ...(depth === undefined ? {} : { depth }) } },
    );
  }
  const culprit = value === undefined ? undefined : cloneCulprit(value);
  // V8's own words only when nothing better is found: for a Proxy they say "#<Object>", or "null" once revoked
  return new DaebusError(
    ErrorCodes.NOT_CLONEABLE,
    `${what}: the value cannot be copied to another thread` +
      `${culprit === undefined ? ` (${toPlainError(err).message})` : `: ${describeCulprit(culprit)}`}. ${PLAIN_DATA}`,
    { cause: err, ...(culprit === undefined ? {} : { details: { culprit: culprit.kind, path: culprit.path } }) },
  );
}

/**
 * Functions and symbols are refused by the shared structures on both sides, before anything is sent or stored, in the
 * words of a refusal by structured clone (`key`: the merge's key that holds it).
 */
export function checkValue<V>(where: string, value: V, key?: string): V {
  const kind = typeof value;
  if (kind === 'function' || kind === 'symbol') {
    // a key as a nested refusal names it: `a`, `["a.b"]`, `[""]`
    const path = key === undefined ? '' : keySegment(key).replace(/^\./, '');
    const culprit = { kind: `a ${kind}`, path };
    throw new DaebusError(
      ErrorCodes.NOT_CLONEABLE,
      `${where}: the value cannot be copied to another thread: ${describeCulprit(culprit)}. ${PLAIN_DATA} ${SERVICE_WIDE_DATA}`,
      { details: { culprit: culprit.kind, path } },
    );
  }
  return value;
}

/**
 * A structured-clone copy of `value`, or NOT_CLONEABLE (also past MAX_NESTING levels, the limit of a thread's writes).
 * `what` may be a function: the name is then made only for a refusal (a hot write's name costs more than its check).
 */
export function cloneOrThrow<T>(what: string | (() => string), value: T): T {
  let copy: T;
  try {
    copy = structuredClone(value);
  } catch (err) {
    throw notCloneable(typeof what === 'string' ? what : what(), err, value);
  }
  // the main thread's stack copies deeper values than a worker's checks let through: what the
  // main side stores, a thread must be able to write back. The copy is walked, not the value: its
  // getters run once, as it is copied (a getter that writes to the structure, a count of reads)
  if (nestsTooDeep(copy)) throw tooDeep(typeof what === 'string' ? what : what(), copy);
  return copy;
}

/** Objects the quick walk of `nestsTooDeep` visits before it counts exactly instead (a subtree shared by many paths is walked once per path). */
const QUICK_WALK = 10_000;
let walkLeft = 0;
/**
 * Set by a walk that met what makes JSON's copy differ from structured clone's: a function or a
 * symbol (which structured clone refuses), or an object with a toJSON() of its own (a Buffer, a
 * class's instance), which structured clone ignores. A Date's toJSON() gives what the main
 * side's JSON of the cloned Date gives, so a Date is not counted.
 */
let sawJson = false;
/**
 * Set by a walk that met an object structured clone may refuse (a Promise, a Proxy, a WeakMap,
 * a class's instance, an Error and its cause): the value is then cloned once to find out.
 */
let sawOther = false;

function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function' && !(value instanceof Date);
}

/** Notes what `value` means for its copy (see sawJson, sawOther); false for a Proxy, not walked. */
function note(value: object): boolean {
  if (types.isProxy(value)) return !(sawOther = true);
  if (hasToJson(value)) sawJson = true;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Object.prototype || proto === null ? types.isArgumentsObject(value) : !knownKind(value)) sawOther = true;
  return true;
}

/** Objects structured clone always copies (what they hold is walked, where it can hold anything). */
function knownKind(value: object): boolean {
  return (
    Array.isArray(value) ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof Date ||
    value instanceof RegExp ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value)
  );
}

/**
 * Whether `value` nests deeper than `limit` levels. A worker checks what it sends: with a larger
 * stack than the main thread's, it can copy values the main thread cannot read back, and the port
 * would drop such a message unseen. A recursive walk that stops at the limit, cheap for the usual
 * small value; a cycle (which structured clone keeps as a reference) or a value past the walk's
 * budget is counted exactly.
 */
export function nestsTooDeep(value: unknown, limit: number = MAX_NESTING): boolean {
  if (value === null || typeof value !== 'object') return false;
  walkLeft = QUICK_WALK;
  const over = deeper(value, limit);
  return over === false ? false : nestingDepth(value) > limit;
}

/**
 * What keeps `value` from reaching the main thread as the JSON reply it stands for: `deep`
 * (nested past `limit`), `json` (a function or a symbol in it, which structured clone refuses,
 * or a toJSON() that structured clone would ignore: send JSON's copy instead), `clone` (an
 * object structured clone may refuse, as a Promise: try a copy first), or undefined.
 * Found by the same walk that measures its depth: a value with none of these costs no JSON.
 */
export function copyProblem(value: unknown, limit: number = MAX_NESTING): 'deep' | 'json' | 'clone' | undefined {
  if (typeof value === 'function' || typeof value === 'symbol') return 'json';
  sawJson = false;
  sawOther = false;
  if (nestsTooDeep(value, limit)) return 'deep';
  return sawJson ? 'json' : sawOther ? 'clone' : undefined;
}

/** True past `levels` more levels; undefined once the walk's budget is spent. */
function deeper(value: object, levels: number): boolean | undefined {
  if (levels === 0) return true;
  if (--walkLeft < 0) return undefined;
  if (!note(value)) return false;
  let over: boolean | undefined = false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && over === false; i++) over = deeperChild(value[i], levels);
  } else if (value instanceof Map) {
    for (const [key, child] of value) {
      over = deeperChild(key, levels);
      if (over === false) over = deeperChild(child, levels);
      if (over !== false) break;
    }
  } else if (value instanceof Set) {
    for (const child of value) if ((over = deeperChild(child, levels)) !== false) break;
  } else if (value instanceof Error) {
    // clone copies an error's cause, which is not enumerable
    over = deeperChild((value as { cause?: unknown }).cause, levels);
  } else if (!(ArrayBuffer.isView(value) || value instanceof Date || value instanceof RegExp || value instanceof String)) {
    // (a String object's characters are its keys: nothing to walk)
    for (const key in value) if ((over = deeperChild((value as Record<string, unknown>)[key], levels)) !== false) break;
  }
  return over;
}

function deeperChild(child: unknown, levels: number): boolean | undefined {
  if (child !== null && typeof child === 'object') return deeper(child, levels - 1);
  if (typeof child === 'function' || typeof child === 'symbol') sawJson = true;
  return false;
}

/** What the main side says of a message from a worker that it could not read (the port dropped it). */
export function unreadable(from: string, err: unknown): string {
  return (
    `A message from ${from} could not be read on the main thread and was dropped (${toPlainError(err).message}). ` +
    `Values sent from threads can nest up to ${MAX_NESTING} levels.`
  );
}

/**
 * NOT_CLONEABLE for a value nested past `limit`, or whose walk threw (a getter that throws, a
 * revoked Proxy: the port's copy would throw the same); undefined for one that may be sent.
 */
export function depthRefusal<A>(what: (arg: A) => string, arg: A, value: unknown, limit: number = MAX_NESTING): DaebusError | undefined {
  // `what(arg)`, not a closure: the name is made only for a refusal, and a hot write allocates nothing for it
  try {
    return nestsTooDeep(value, limit) ? tooDeep(what(arg), value) : undefined;
  } catch (err) {
    return notCloneable(what(arg), err);
  }
}

/** NOT_CLONEABLE for a value `nestsTooDeep` refused, saying how deep it is. */
export function tooDeep(what: string, value: unknown): DaebusError {
  return notCloneable(what, new RangeError('nested too deep'), value);
}

/** How many levels of objects and arrays `value` nests (counted without recursion; stops counting at 1 000 000). */
export function nestingDepth(value: unknown): number {
  let deepest = 0;
  const stack: [object, number][] = [];
  const seen = new Set<object>();
  // the exact count also finishes what a quick walk past its budget left unseen (copyProblem)
  const consider = (child: unknown, depth: number): void => {
    if (typeof child === 'function' || typeof child === 'symbol') sawJson = true;
    else if (child !== null && typeof child === 'object' && !seen.has(child)) stack.push([child, depth]);
  };
  consider(value, 0);
  while (stack.length > 0 && deepest < 1_000_000) {
    const [current, depth] = stack.pop() as [object, number];
    if (seen.has(current)) continue;
    seen.add(current);
    if (!note(current)) continue;
    deepest = Math.max(deepest, depth + 1);
    // bytes and numbers only: nothing to walk (a 5 MB Uint8Array was 5 million steps)
    if (ArrayBuffer.isView(current) || current instanceof ArrayBuffer) continue;
    // children pushed last to first, so popped in the order structured clone copies them: a shared
    // object counts at the depth clone meets it first (later meetings are references)
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) consider(current[i], depth + 1);
      continue;
    }
    if (current instanceof String) continue;
    const children =
      current instanceof Map
        ? [...current].flat()
        : current instanceof Set
          ? [...current]
          : current instanceof Error
            ? [(current as { cause?: unknown }).cause]
            : Object.values(current);
    for (let i = children.length - 1; i >= 0; i--) consider(children[i], depth + 1);
  }
  return deepest;
}
