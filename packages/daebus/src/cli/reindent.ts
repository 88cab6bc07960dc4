import { NOT_JSON, parseWireJson, stringEnd } from '../shared/python-json';

/**
 * JSON text indented by two spaces per level, its numbers and literals copied as they are: an
 * integer past 2^53 keeps its digits and Python's NaN and Infinity stay, where a parse and a
 * stringify would round the one and turn the others into null. A string's \u escapes are
 * decoded, as a parse and a stringify would (Python's json.dumps escapes every character past
 * ASCII). Text that is not JSON (Python's tokens allowed) comes back as it is.
 */
export function reindent(text: string): string {
  if (parseWireJson(text) === NOT_JSON) return text;
  try {
    return indented(text);
  } catch {
    // past the longest string there can be (a message nested tens of thousands deep): as it came
    return text;
  }
}

function indented(text: string): string {
  const indents = ['\n'];
  const newline = (depth: number): string => (indents[depth] ??= `\n${'  '.repeat(depth)}`);
  let out = '';
  let depth = 0;
  // the characters from `run` up to the one at hand are copied as they are (a number, a literal)
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const token = text.slice(i, end + 1);
      out += text.slice(run, i) + (token.includes('\\u') ? JSON.stringify(JSON.parse(token)) : token);
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const next = nextToken(text, i + 1);
      // an empty object or array stays on its line
      if (text.charCodeAt(next) === c + 2 /* } or ] */) {
        out += text.slice(run, i) + (c === 0x7b ? '{}' : '[]');
        i = next;
      } else out += text.slice(run, i + 1) + newline(++depth);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) out += text.slice(run, i) + newline(--depth) + text[i];
    else if (c === 0x2c /* , */) out += text.slice(run, i) + ',' + newline(depth);
    else if (c === 0x3a /* : */) out += text.slice(run, i) + ': ';
    else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) out += text.slice(run, i);
    else continue;
    run = i + 1;
  }
  return out + text.slice(run);
}

/** The index of the first character at or after `from` that is not JSON whitespace. */
function nextToken(text: string, from: number): number {
  let at = from;
  while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  return at;
}
