import { stringEnd } from '../../shared/python-json';

/**
 * The reply address of a request that is not parsed whole (too large, or not JSON): its top-level
 * `reply_to`, `request_id` and `service`, found by one pass over the text that tracks nesting and
 * strings (no allocation but the few top-level keys). A payload's own keys of these names, nested
 * deeper, are never taken for them, whichever order the writer put the fields in (Python writes
 * `payload` before `reply_to`). Best effort on broken text: what it finds at the top level.
 */
export function peekEnvelope(text: string): { reply_to?: string; request_id?: string; service?: string } {
  const found: { reply_to?: string; request_id?: string; service?: string } = {};
  let wanted = 3;
  let depth = 0;
  let key: string | undefined; // a top-level key whose value comes next
  const n = text.length;
  for (let i = 0; i < n && wanted > 0; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      const end = stringEnd(text, i);
      if (depth === 1) {
        let next = end + 1;
        while (next < n && isSpace(text.charCodeAt(next))) next++;
        if (text.charCodeAt(next) === COLON) key = text.slice(start, end);
        else {
          if ((key === 'reply_to' || key === 'request_id' || key === 'service') && found[key] === undefined) {
            const value = unescape(text.slice(start, end));
            if (value !== undefined && value.length > 0) {
              found[key] = value;
              wanted -= 1;
            }
          }
          key = undefined;
        }
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      if (depth > 1) key = undefined;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth -= 1;
    else if (c === COMMA && depth === 1) key = undefined;
  }
  return found;
}

const QUOTE = 0x22;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** A JSON string's text as its value (escapes read); undefined when it is not a well-formed one. */
function unescape(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}
