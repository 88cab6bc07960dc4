import { stringEnd } from '../../shared/python-json';

type Envelope = { reply_to?: string; request_id?: string; service?: string };

/**
 * The reply address of a request that is not parsed whole (too large, or not JSON): its top-level
 * `reply_to`, `request_id` and `service`, found by one pass over the text that tracks nesting and
 * strings (no allocation but the top-level keys). A payload's own keys of these names, nested
 * deeper, are never taken for them, whichever order the writer put the fields in (Python writes
 * `payload` before `reply_to`). As JSON.parse reads it: a repeated key's last value counts (one
 * that is not a string counts as none), and key names are read with their escapes. Best effort on
 * broken text: what it finds at the top level.
 */
export function peekEnvelope(text: string): Envelope {
  const found: Envelope = {};
  let depth = 0;
  let key: keyof Envelope | undefined; // a wanted top-level key whose value comes next
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      const end = stringEnd(text, i);
      if (depth === 1) {
        let next = end + 1;
        while (next < n && isSpace(text.charCodeAt(next))) next++;
        if (text.charCodeAt(next) === COLON) key = wanted(unescape(text.slice(start, end)));
        else if (key !== undefined) {
          const value = unescape(text.slice(start, end));
          if (value !== undefined && value.length > 0) found[key] = value;
          else delete found[key];
          key = undefined;
        }
      }
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth += 1;
      // an object or array as a wanted key's value: not an address
      if (depth === 2 && key !== undefined) delete found[key];
      key = undefined;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth -= 1;
    else if (depth === 1 && key !== undefined && !isSpace(c) && c !== COLON) {
      // a number, true, false or null as a wanted key's value
      delete found[key];
      key = undefined;
    }
  }
  return found;
}

function wanted(name: string | undefined): keyof Envelope | undefined {
  return name === 'reply_to' || name === 'request_id' || name === 'service' ? name : undefined;
}

const QUOTE = 0x22;
const COLON = 0x3a;
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
