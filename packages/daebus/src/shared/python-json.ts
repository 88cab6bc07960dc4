/**
 * Python's json.dumps writes NaN, Infinity and -Infinity by default, so Python Daebus services
 * send them; JSON.parse refuses them. Readers call this only after JSON.parse failed: the common
 * path pays nothing.
 */

/** What `parseNonFinite` returns for text that is not JSON even with Python's tokens read. */
export const NOT_JSON: unique symbol = Symbol('daebus.notJson');

const TOKENS = [
  ['-Infinity', -Infinity],
  ['Infinity', Infinity],
  ['NaN', NaN],
] as const;

// A string no message can hold: the tokens become it (as JSON strings), and the reviver turns it
// back into the number. Random per process, so that a sender cannot spell it on purpose.
const MARK = `\u0000daebus-nonfinite-${Math.random().toString(36).slice(2)}-`;
/** The mark as it is written inside JSON text, without its closing quote (U+0000 must be escaped there). */
const MARK_JSON = JSON.stringify(MARK).slice(0, -1);

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
  let out = '';
  let from = 0;
  let found = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = stringEnd(text, i);
      continue;
    }
    // only N, I and - can start a token; anything else is copied as it is
    if (c !== 0x4e && c !== 0x49 && c !== 0x2d) continue;
    const index = TOKENS.findIndex(([token]) => text.startsWith(token, i));
    if (index < 0) continue;
    out += `${text.slice(from, i)}${MARK_JSON}${index}"`;
    i += (TOKENS[index] as (typeof TOKENS)[number])[0].length - 1;
    from = i + 1;
    found = true;
  }
  if (!found) return NOT_JSON;
  try {
    return JSON.parse(out + text.slice(from), revive) as unknown;
  } catch {
    return NOT_JSON;
  }
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

function revive(key: string, value: unknown): unknown {
  // a token where a key goes ({NaN: 1}) is not JSON, Python's included: refused (the catch above)
  if (key.startsWith(MARK)) throw new SyntaxError('a number where a key goes');
  if (typeof value !== 'string' || !value.startsWith(MARK)) return value;
  return TOKENS[Number(value.slice(MARK.length))]?.[1] ?? value;
}
