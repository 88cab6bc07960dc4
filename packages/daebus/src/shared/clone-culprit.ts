// Names what in a value structured clone refused, and where: a DataCloneError says only
// "#<Object> could not be cloned" for a Proxy, and never where in the value it sat.
import { types } from 'node:util';

/** How deep the search goes: the error path only, but a value may be deep (or cyclic). */
const MAX_DEPTH = 200;

/** The kinds of object structured clone always refuses, by name. */
function refusedKind(value: object): string | undefined {
  if (types.isProxy(value)) return 'a Proxy';
  if (types.isPromise(value)) return 'a Promise';
  if (types.isWeakMap(value)) return 'a WeakMap';
  if (types.isWeakSet(value)) return 'a WeakSet';
  if (value instanceof WeakRef) return 'a WeakRef';
  if (value instanceof FinalizationRegistry) return 'a FinalizationRegistry';
  if (types.isGeneratorObject(value)) return 'a generator';
  if (types.isArgumentsObject(value)) return 'an arguments object';
  return undefined;
}

/** Values structured clone copies by walking what they hold (so the culprit is inside). */
function isContainer(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return (
    proto === Object.prototype ||
    proto === null ||
    Array.isArray(value) ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof Error
  );
}

export function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function* children(value: object): Generator<[string, unknown]> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield [`[${i}]`, value[i]];
  } else if (value instanceof Map) {
    let index = 0;
    for (const [key, child] of value) {
      yield [' (a Map key)', key];
      // an object key has no text to name it by: its entry's place in the Map does
      const named =
        typeof key === 'string'
          ? JSON.stringify(key)
          : key !== null && typeof key === 'object'
            ? `<the key of entry ${index}>`
            : String(key);
      yield [`.get(${named})`, child];
      index += 1;
    }
  } else if (value instanceof Set) {
    for (const child of value) yield [' (a Set item)', child];
  } else {
    if (value instanceof Error) yield ['.cause', (value as { cause?: unknown }).cause];
    for (const key of Object.keys(value)) yield [keySegment(key), (value as Record<string, unknown>)[key]];
  }
}

/** What refused to be copied (`a Promise`) and where (`total`, `items[2]`; '' for the value itself). */
export interface Culprit {
  kind: string;
  path: string;
}

function at(kind: string, path: string): Culprit {
  return { kind, path: path.replace(/^\./, '') };
}

/** The culprit as words: "it holds a Promise at total; is an await missing?". */
export function describeCulprit({ kind, path }: Culprit): string {
  const hint = kind === 'a Promise' ? ' (is an await missing?)' : '';
  return `${path === '' ? 'it is' : 'it holds'} ${kind}${path === '' ? '' : ` at ${path}`}${hint}`;
}

function find(value: unknown, path: string, depth: number, seen: Set<object>): Culprit | undefined {
  if (typeof value === 'function') return at('a function', path);
  if (typeof value === 'symbol') return at('a symbol', path);
  if (value === null || typeof value !== 'object' || seen.has(value) || depth > MAX_DEPTH) return undefined;
  seen.add(value);
  const kind = refusedKind(value);
  if (kind !== undefined) return at(kind, path);
  const container = isContainer(value);
  if (!container) {
    try {
      structuredClone(value);
      return undefined;
    } catch {
      // refused: by something it holds (looked for next), or as a whole (named after that)
    }
  }
  for (const [segment, child] of children(value)) {
    const found = find(child, path + segment, depth + 1, seen);
    if (found !== undefined) return found;
  }
  if (container) return undefined;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return at(typeof name === 'string' && name !== '' ? `a ${name}` : 'an object of a kind threads cannot copy', path);
}

/** What in `value` structured clone refuses, and where; undefined when no one part can be named. */
export function cloneCulprit(value: unknown): Culprit | undefined {
  try {
    return find(value, '', 0, new Set());
  } catch {
    // a getter or a Proxy trap that throws: nothing more to say than the clone's own error
    return undefined;
  }
}
