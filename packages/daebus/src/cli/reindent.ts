import { NOT_JSON, parseWireJson, stringEnd } from '../shared/python-json';

/**
 * JSON text indented by two spaces per level, its tokens copied as they are: an integer past
 * 2^53 keeps its digits and Python's NaN and Infinity stay, where a parse and a stringify would
 * round the one and turn the others into null. Text that is not JSON (Python's tokens allowed)
 * comes back as it is.
 */
export function reindent(text: string): string {
  if (parseWireJson(text) === NOT_JSON) return text;
  let out = '';
  let depth = 0;
  const newline = (): string => `\n${'  '.repeat(depth)}`;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end + 1);
      i = end;
    } else if (c === '{' || c === '[') {
      const next = nextToken(text, i + 1);
      // an empty object or array stays on its line
      if (text[next] === (c === '{' ? '}' : ']')) {
        out += c === '{' ? '{}' : '[]';
        i = next;
      } else {
        depth += 1;
        out += c + newline();
      }
    } else if (c === '}' || c === ']') {
      depth -= 1;
      out += newline() + c;
    } else if (c === ',') out += `,${newline()}`;
    else if (c === ':') out += ': ';
    else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') out += c;
  }
  return out;
}

/** The index of the first character at or after `from` that is not JSON whitespace. */
function nextToken(text: string, from: number): number {
  let at = from;
  while (at < text.length && ' \t\n\r'.includes(text[at] as string)) at++;
  return at;
}
