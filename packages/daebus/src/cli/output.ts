// What the verbs print: JSON for machines, short aligned text for people.
import { CliError, ExitCodes } from './exit-codes';

/** Colour codes only on a terminal, and never with NO_COLOR set and not empty (https://no-color.org). */
export function colourful(): boolean {
  const noColor = process.env.NO_COLOR;
  return process.stdout.isTTY === true && (noColor === undefined || noColor === '');
}

/** Write a value as indented JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Write lines on stdout. */
export function printLines(lines: readonly string[]): void {
  process.stdout.write(lines.length === 0 ? '' : `${lines.join('\n')}\n`);
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

/** Parse a JSON payload given on the command line; `what` names it in the error. */
export function parseJsonArgument(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new CliError(`${what} is not valid JSON (${err instanceof Error ? err.message : String(err)}): ${text}`, ExitCodes.USAGE);
  }
}
