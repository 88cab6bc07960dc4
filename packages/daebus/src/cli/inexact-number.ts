import { stringEnd } from '../shared/python-json';

/** A number token: what JSON allows, read from where a number starts (a digit or '-'). */
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/**
 * The first number in the JSON text `text` (valid JSON: JSON.parse took it) that a parse would
 * not read as written, and what it would be sent as: an integer past 2^53 - 1, which a double
 * rounds (a 64-bit id, a nanosecond timestamp), or a number past the double's range (1e400,
 * read as Infinity, written as null). A fraction that loses its last digits is not one: Python
 * reads 0.1000000000000000001 as the same double. Strings are skipped, their escapes minded.
 */
export function inexactNumber(text: string): { token: string; sentAs: string } | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      i = stringEnd(text, i);
      continue;
    }
    // outside strings, a digit or '-' can only start a number (true, false and null have none)
    if (c !== 0x2d /* - */ && (c < 0x30 || c > 0x39)) continue;
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (match === null) continue;
    const token = match[0];
    const value = Number(token);
    const integer = match[1] === undefined && match[2] === undefined;
    if (!Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) return { token, sentAs: JSON.stringify(value) };
    i += token.length - 1;
  }
  return undefined;
}
