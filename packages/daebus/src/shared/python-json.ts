/**
 * Python's json.dumps writes NaN, Infinity and -Infinity by default, so Python Daebus services
 * send them; JSON.parse refuses them. Readers call this only after JSON.parse failed: the common
 * path pays nothing.
 */
import { randomBytes } from 'node:crypto';

/** What `parseNonFinite` returns for text that is not JSON even with Python's tokens read. */
export const NOT_JSON: unique symbol = Symbol('daebus.notJson');

const TOKENS = [
  ['-Infinity', -Infinity],
  ['Infinity', Infinity],
  ['NaN', NaN],
] as const;

// A string no message can hold: the tokens become it (as JSON strings), and a walk of the parsed
// value turns it back into the number. Random per process, so that a sender cannot spell it on purpose.
const MARK = `\u0000${randomBytes(6).toString('hex')}`;
/** Each token's mark as a JSON string (U+0000 escaped), in the order of TOKENS. */
const MARKS_JSON = TOKENS.map((_, index) => JSON.stringify(`${MARK}${index}`));

/** JSON text as it arrives from another process: JSON.parse, then Python's tokens read if that fails; `NOT_JSON` for neither. */
export function parseWireJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return parseNonFinite(text);
  }
}

/**
 * The value of JSON text that may hold NaN, Infinity or -Infinity outside strings (JS NaN,
 * Infinity, -Infinity), or `NOT_JSON`. Never throws.
 */
export function parseNonFinite(text: string): unknown {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = stringEnd(text, i);
      continue;
    }
    // only N, I and - can start a token; anything else is copied as it is
    const index = c === 0x4e || c === 0x49 || c === 0x2d ? tokenAt(text, i) : -1;
    if (index < 0) continue;
    parts.push(text.slice(from, i), MARKS_JSON[index] as string);
    i += (TOKENS[index] as (typeof TOKENS)[number])[0].length - 1;
    from = i + 1;
  }
  if (parts.length === 0) return NOT_JSON;
  parts.push(text.slice(from));
  try {
    return restored(JSON.parse(parts.join('')) as unknown);
  } catch {
    return NOT_JSON;
  }
}

/** The index in TOKENS of the token `text` holds at `at`, or -1. */
function tokenAt(text: string, at: number): number {
  for (let index = 0; index < TOKENS.length; index++) if (text.startsWith((TOKENS[index] as (typeof TOKENS)[number])[0], at)) return index;
  return -1;
}

/**
 * The index of the quote that closes the JSON string opening at `start` (one not escaped), or the
 * text's length. Found with indexOf, not a walk over each character: a payload may hold megabytes.
 */
export function stringEnd(text: string, start: number): number {
  for (let at = text.indexOf('"', start + 1); at >= 0; at = text.indexOf('"', at + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c /* \ */) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
  return text.length;
}

/**
 * `value` with the marks put back as the numbers they stand for, in place; throws where a mark is a
 * key (`{NaN: 1}` is not JSON, Python's included). A walk of its own, not a reviver: JSON.parse
 * with one took ten times as long (a second for a payload of a million NaNs).
 */
function restored(value: unknown): unknown {
  if (typeof value === 'string') return revived(value);
  const pending: object[] = [];
  if (value !== null && typeof value === 'object') pending.push(value);
  while (pending.length > 0) {
    const node = pending.pop() as Record<string, unknown>;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === 'string') node[i] = revived(item);
        else if (item !== null && typeof item === 'object') pending.push(item);
      }
      continue;
    }
    for (const key in node) {
      if (key.startsWith(MARK)) throw new SyntaxError('a number where a key goes');
      const item: unknown = node[key];
      if (typeof item === 'string') node[key] = revived(item);
      else if (item !== null && typeof item === 'object') pending.push(item);
    }
  }
  return value;
}

function revived(value: string): unknown {
  if (!value.startsWith(MARK)) return value;
  return TOKENS[Number(value.slice(MARK.length))]?.[1] ?? value;
}
