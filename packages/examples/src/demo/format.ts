// Text helpers shared by the live view and the plain output.
import type { LogLine } from './recent-logs';

const CODES = {
  bold: 1,
  dim: 2,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
} as const;

export type Color = keyof typeof CODES;

/** Wrap `text` in an ANSI color, or return it as is when `on` is false. */
export function paint(text: string, color: Color | undefined, on: boolean): string {
  return on && color && text.length > 0 ? `\x1b[${CODES[color]}m${text}\x1b[0m` : text;
}

/** Cut plain text to `width` characters, marking the cut with an ellipsis. */
export function fit(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, Math.max(0, width)) : `${text.slice(0, width - 1)}…`;
}

/** "850 ms", "12.3 s", "4m 05s". */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

const LEVEL_COLORS: Record<string, Color> = { error: 'red', warn: 'yellow', info: 'green', debug: 'blue' };

/** "12:03:04.123 info  [flaky] message", cut to `width` (ANSI colors do not count). */
export function logLine(line: LogLine, options: { color: boolean; width?: number }): string {
  const time = clock(line.at);
  const level = line.level.padEnd(5);
  const where = line.thread ? `[${line.thread}] ` : '';
  const prefix = `${time} ${level} ${where}`;
  const message = options.width === undefined ? line.message : fit(line.message, Math.max(0, options.width - prefix.length));
  const color = options.color;
  return `${paint(time, 'dim', color)} ${paint(level, LEVEL_COLORS[line.level], color)} ${paint(where, 'cyan', color)}${message}`;
}

/** Local wall-clock time with milliseconds: "12:03:04.123". */
export function clock(at: number): string {
  const d = new Date(at);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
