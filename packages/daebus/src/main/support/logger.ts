import winston, { type Logger as WinstonLogger } from 'winston';
import { toPlainError, type PlainError } from '../../shared/errors';
import { checkedLogLevel, describeLevels, parseLogLevel } from './log-level';
import { shownControls } from '../ops/terminal-text';
import { stdoutTransport } from './stdout-transport';
import { workerLogger } from './worker-logger';
import { readableRecords } from './readable-records';

// a named type import: the declaration file then needs no default import of winston, which a
// project compiled without esModuleInterop could not read (TS1259). An interface of daebus's own,
// not an alias: a project's declaration emit can then name a logger daebus gives it as
// `import("daebus").Logger`, where winston's own type is out of its reach (pnpm: TS2742).
/** A winston logger: what `new Daebus(name, { logger })` takes, and what the app logs with. */
export interface Logger extends WinstonLogger {}

/**
 * The default sink: human-readable lines on a terminal, JSON lines when `LOG_FORMAT=json` or when
 * output is not a terminal (`LOG_FORMAT=text` forces lines, coloured only on a terminal and
 * without `NO_COLOR`; `LOG_FORMAT` in any case, another value is ignored with a warning). Level from `level`, else `LOG_LEVEL` (any case, Python's names too),
 * default `info`. A bad `level` throws INVALID_OPTION; a bad `LOG_LEVEL` logs at `info` and says so.
 */
export function createLogger(options: { level?: string | undefined; json?: boolean | undefined } = {}): Logger {
  const rawFormat = process.env.LOG_FORMAT;
  const format = logFormat(rawFormat);
  const json = options.json ?? (format === 'json' || (format !== 'text' && !process.stdout.isTTY));
  const fromEnv = process.env.LOG_LEVEL;
  const envLevel = fromEnv === undefined || fromEnv === '' ? 'info' : parseLogLevel(fromEnv);
  const level = options.level !== undefined ? checkedLogLevel(options.level, 'createLogger(options)') : (envLevel ?? 'info');
  const logger = winston.createLogger({
    level,
    format: readableRecords(json ? jsonFormat() : textFormat(colours())),
    transports: [stdoutTransport()],
  });
  if (options.json === undefined && format === undefined && rawFormat !== undefined && rawFormat.trim() !== '' && !formatWarned) {
    formatWarned = true;
    logger.warn(
      `LOG_FORMAT=${JSON.stringify(rawFormat)} is not a log format: ignored. Use json or text (unset: JSON lines unless output is a terminal).`,
    );
  }
  // a typo must not silence the service: winston would write nothing at an unknown level
  if (options.level === undefined && envLevel === undefined && !levelWarned) {
    levelWarned = true;
    logger.warn(`LOG_LEVEL=${JSON.stringify(fromEnv)} is not a log level: logging at info. Use one of ${describeLevels()}.`);
  }
  return logger;
}

/** The accepted `LOG_FORMAT`, in any case; undefined when it is unset or another value. */
function logFormat(raw: string | undefined): 'json' | 'text' | undefined {
  const format = raw?.trim().toLowerCase();
  return format === 'json' || format === 'text' ? format : undefined;
}

/** An unknown `LOG_FORMAT` or `LOG_LEVEL` is said once per process, not once per logger. */
let formatWarned = false;
let levelWarned = false;

/** Colour codes only for a terminal, and never with `NO_COLOR` set (https://no-color.org). */
function colours(): boolean {
  const noColor = process.env.NO_COLOR;
  return process.stdout.isTTY === true && (noColor === undefined || noColor === '');
}

/**
 * Errors in a record's metadata (`log.error('x', { error: err })`) as `{ name, message, code,
 * stack }`: JSON has no form for an Error of its own and writes `{}`.
 */
const plainErrors = winston.format((info) => {
  for (const key of Object.keys(info)) info[key] = withPlainErrors(info[key], NESTED_ERROR_LEVELS);
  return info;
});

/** How deep in a record's metadata Errors are looked for (`{ ctx: { err } }`, `{ list: [err] }`). */
const NESTED_ERROR_LEVELS = 3;

/** `value` with its Errors as plain objects, down `levels` levels; the same object when it holds none (nothing copied). */
function withPlainErrors(value: unknown, levels: number): unknown {
  if (value instanceof Error) return toPlainError(value);
  if (levels === 0 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const plain = withPlainErrors(item, levels - 1);
      if (plain !== item) (copy ??= [...value])[i] = plain;
    });
    return copy ?? value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const plain = withPlainErrors(item, levels - 1);
    if (plain !== item) (copy ??= { ...value })[key] = plain;
  }
  return copy ?? value;
}

/**
 * The time a thread logged a record, which it carries under this key: the default sink's
 * `timestamp` is that time, not when the main thread came to write it (a burst from a thread is
 * written up to hundreds of ms later, which misordered it against the main side's records).
 */
export const LOGGED_AT: unique symbol = Symbol('daebus.loggedAt');

/** `timestamp`, shown by `show`: when a thread logged the record, else now. */
function stamped(show: (date: Date) => string): winston.Logform.Format {
  return winston.format((info) => {
    const at = (info as { [LOGGED_AT]?: unknown })[LOGGED_AT];
    info.timestamp = show(typeof at === 'number' ? new Date(at) : new Date());
    return info;
  })();
}

/** `HH:mm:ss.SSS` in local time, as a text line shows it. */
function clockTime(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

function jsonFormat(): winston.Logform.Format {
  const { combine, errors, json } = winston.format;
  return combine(
    errors({ stack: true }),
    plainErrors(),
    stamped((date) => date.toISOString()),
    json(),
  );
}

function textFormat(coloured: boolean): winston.Logform.Format {
  const { combine, errors, colorize, printf } = winston.format;
  return combine(
    errors({ stack: true }),
    plainErrors(),
    stamped(clockTime),
    ...(coloured ? [colorize()] : []),
    printf((info) => {
      const { timestamp: time, level, message, thread, stack, error, ...rest } = info;
      const where = typeof thread === 'string' ? ` [${thread}]` : '';
      const extra = Object.keys(rest).length > 0 ? ` ${safeJson(rest)}` : '';
      // An error's stack goes on the lines below (its message is already in the line), with its code, cause and gathered errors
      const trace = typeof stack === 'string' ? `\n${stack}` : isPlainError(error) ? `\n${errorLines(error)}` : '';
      // what came from outside (an action's name, a client's text) must not command the terminal that shows the line
      return `${String(time)} ${level}${shownControls(`${where} ${String(message)}${extra}${trace}`)}`;
    }),
  );
}

function isPlainError(value: unknown): value is PlainError {
  return value !== null && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string';
}

/** An error as text lines: its stack (or name and message) and code, then what it wraps and gathers, indented, as Node prints them. */
function errorLines(error: PlainError, indent = ''): string {
  const head = error.stack ?? `${error.name}: ${error.message}`;
  const first = head.indexOf('\n');
  // the code after the error's first line (its name and message), unless that names it already
  const code = error.code === undefined || head.slice(0, first < 0 ? undefined : first).includes(error.code) ? '' : ` [${error.code}]`;
  const lines = [first < 0 ? `${head}${code}` : `${head.slice(0, first)}${code}${head.slice(first)}`];
  if (error.cause !== undefined) lines.push(`[cause]: ${errorLines(error.cause, '  ')}`);
  error.errors?.forEach((one, i) => lines.push(`[errors][${i}]: ${errorLines(one, '  ')}`));
  return lines.join('\n').replaceAll('\n', `\n${indent}`);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/**
 * Daebus's `direct_logger` on the main side: the process-wide default logger. Threads have their
 * own `directLogger` (from `daebus/thread`) that forwards here; imported from this entry in a
 * daebus worker, it is one that does the same (see workerLogger).
 */
export const directLogger: Logger = workerLogger() ?? createLogger();
