import { clipped } from '../shared/clipped';
import { NOT_JSON, parseNonFinite } from '../shared/python-json';
// What the verbs print: JSON for machines, short aligned text for people.
import { nestingDepth } from '../shared/cloneable';
import { forTerminal } from '../main/ops/terminal-text';
import { CliError, ExitCodes } from './exit-codes';

/** Colour codes only on a terminal, and never with NO_COLOR set and not empty (https://no-color.org). */
export function colourful(): boolean {
  const noColor = process.env.NO_COLOR;
  return process.stdout.isTTY === true && (noColor === undefined || noColor === '');
}

/** Write a value as indented JSON on stdout (status 1 for one nested too deep to write). */
export function printJson(value: unknown): void {
  process.stdout.write(forTerminal(`${jsonText(value, 2)}\n`, process.stdout));
}

/** `value` as JSON; a CliError (status 1) for one nested too deep for JSON.stringify. */
export function jsonText(value: unknown, indent?: number): string {
  try {
    return JSON.stringify(value, null, indent);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new CliError(`the answer is nested ${nestingDepth(value)} levels deep: too deep to write as JSON.`, ExitCodes.FAILED);
  }
}

/** Text this command coloured itself: a thread table, whose cells (what a service sent) are escaped already. */
export class Painted {
  constructor(readonly text: string) {}
}

/** A line to print: text from a service (or holding some), or a Painted block. */
export type Line = string | Painted;

/** `lines` joined for `stream`: on a terminal, control characters (from a service) are shown, not obeyed, but in Painted blocks. */
export function shownLines(lines: readonly Line[], stream: { isTTY?: boolean }): string {
  return lines.map((line) => (line instanceof Painted ? line.text : forTerminal(line, stream))).join('\n');
}

/** Write lines on stdout; on a terminal, control characters (from a service) are shown, not obeyed. */
export function printLines(lines: readonly Line[]): void {
  process.stdout.write(lines.length === 0 ? '' : `${shownLines(lines, process.stdout)}\n`);
}

/** Write one line on stderr, as printLines writes on stdout. */
export function printError(line: string): void {
  process.stderr.write(forTerminal(`${line}\n`, process.stderr));
}

/** "key  value" lines with the values lined up. */
export function fields(entries: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(0, ...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${key.padEnd(width)}  ${value}`);
}

/** Columns lined up under a header, two spaces apart. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** A list for one line, or '-' when empty. */
export function listOrDash(items: readonly string[]): string {
  return items.length === 0 ? '-' : items.join(', ');
}

/** A wall-clock time as ISO 8601, or '-'. */
export function timeOrDash(at: number | null | undefined): string {
  return at === null || at === undefined ? '-' : new Date(at).toISOString();
}

/**
 * Parse a JSON payload given on the command line; `what` names it in the error. With
 * `nonFinite: 'read'`, Python's NaN, Infinity and -Infinity (json.dumps writes them) are read as
 * the library reads them in messages; else they are refused, saying why.
 */
export function parseJsonArgument(text: string, what: string, nonFinite: 'read' | 'refuse'): unknown {
  // the parser's own words were "Unexpected end of JSON input", then nothing to show
  if (text.trim() === '') throw new CliError(`${what} is empty: give a JSON object, like '{"id": 1}'.`, ExitCodes.USAGE);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const read = parseNonFinite(text);
    if (read !== NOT_JSON && nonFinite === 'read') return read;
    const why =
      read !== NOT_JSON
        ? 'it holds NaN, Infinity or -Infinity, which a request cannot carry as written (it is sent as JSON.stringify writes it: null); send null or a string, or publish the exact text with `daebus send`'
        : err instanceof Error
          ? err.message
          : String(err);
    throw new CliError(`${what} is not valid JSON (${why}): ${clipped(text, 200)}`, ExitCodes.USAGE);
  }
}
