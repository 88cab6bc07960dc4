import { describeThrown, toPlainError } from '../shared/errors';
import { safeJson, UNREADABLE_VALUE } from '../shared/json';
import {
  LOG_BACKLOG_BYTES,
  LOG_BACKLOG_MAX,
  LOG_BACKLOG_SLOT,
  LOG_BYTES_SLOT,
  LOG_DROPPED_SLOT,
  LOG_LEVEL_SLOT,
  LOG_SMALL_RECORD_BYTES,
} from '../shared/flags';
import { LOG_LEVELS, type CoreToMain, type LogLevel, type MessageSink } from '../shared/protocol/core';

/**
 * Logging inside a thread: records cross the framework port to the main side's winston logger.
 * The message may be any value, as `catch (e)` gives one (`unknown`): an Error (`t.log.error(err)`)
 * logs its message, with the error (its stack too) as `error`; another thrown value logs as text
 * (a plain object as its JSON, not "[object Object]").
 */
export interface ThreadLogger {
  /** Log at level `error`; `meta` adds fields to the record. */
  error(message: unknown, meta?: unknown): void;
  /** Log at level `warn`. */
  warn(message: unknown, meta?: unknown): void;
  /** Log at level `info`. */
  info(message: unknown, meta?: unknown): void;
  /** Log at level `http`. */
  http(message: unknown, meta?: unknown): void;
  /** Log at level `verbose`. */
  verbose(message: unknown, meta?: unknown): void;
  /** Log at level `debug`. */
  debug(message: unknown, meta?: unknown): void;
  /** Log at level `silly`. */
  silly(message: unknown, meta?: unknown): void;
  /** Log at `level`. */
  log(level: LogLevel, message: unknown, meta?: unknown): void;
}

type Sink = (level: LogLevel, message: string, meta?: Record<string, unknown>) => void;

export function createLogger(sink: Sink): ThreadLogger {
  // never throws, whatever a `catch (e)` hands it: a value whose fields throw as they are read
  // (a Proxy's trap, a revoked Proxy) is logged as one that cannot be read
  const log = (level: LogLevel, message: unknown, meta?: unknown): void => {
    const fields = readableMeta(meta);
    if (typeof message === 'string') {
      sink(level, message, fields);
      return;
    }
    if (errorLike(message)) {
      // String(err) would keep "Error: boom" and lose the stack
      const error = toPlainError(message);
      sink(level, error.message, { error, ...fields });
      return;
    }
    sink(level, describeThrown(message), fields);
  };
  return {
    error: (m, meta) => log('error', m, meta),
    warn: (m, meta) => log('warn', m, meta),
    info: (m, meta) => log('info', m, meta),
    http: (m, meta) => log('http', m, meta),
    verbose: (m, meta) => log('verbose', m, meta),
    debug: (m, meta) => log('debug', m, meta),
    silly: (m, meta) => log('silly', m, meta),
    log,
  };
}

/**
 * A sink that posts records on the framework port; a field that cannot be cloned is sent in its JSON form.
 * With the thread's flags: records the main side's logger would drop are not sent, and past
 * LOG_BACKLOG_MAX unread ones (or LOG_BACKLOG_BYTES, for records over LOG_SMALL_RECORD_BYTES) new
 * records are dropped and counted in the flags, where the main side reads the count and says it
 * (each second, and when the thread ends).
 */
export function portSink(port: MessageSink<CoreToMain>, flags?: Int32Array): Sink {
  const post = postTo(port);
  if (flags === undefined) return post;
  return (level, message, meta) => {
    const index = LEVEL_INDEX[level];
    if (index > Atomics.load(flags, LOG_LEVEL_SLOT)) return;
    const room = index <= WARN ? 2 : 1;
    const full = Atomics.load(flags, LOG_BACKLOG_SLOT) >= room * LOG_BACKLOG_MAX;
    // a record bigger than the bound still goes when the backlog has room; capped, the sum stays an Int32
    const size = full ? 0 : Math.min(recordSize(message, meta), 2 * LOG_BACKLOG_BYTES);
    if (full || (size > LOG_SMALL_RECORD_BYTES && Atomics.load(flags, LOG_BYTES_SLOT) >= room * LOG_BACKLOG_BYTES)) {
      Atomics.add(flags, LOG_DROPPED_SLOT, 1);
      return;
    }
    Atomics.add(flags, LOG_BACKLOG_SLOT, 1);
    Atomics.add(flags, LOG_BYTES_SLOT, size);
    post(level, message, meta, size);
  };
}

/** About what a record weighs for the main side: its text, and its metadata as JSON. */
function recordSize(message: string, meta: Record<string, unknown> | undefined): number {
  return message.length + (meta === undefined ? 0 : safeJson(meta).length);
}

const LEVEL_INDEX = Object.fromEntries(LOG_LEVELS.map((level, index) => [level, index])) as Record<LogLevel, number>;
const WARN = LEVEL_INDEX.warn;

function postTo(port: MessageSink<CoreToMain>): (level: LogLevel, message: string, meta?: Record<string, unknown>, size?: number) => void {
  return (level, message, meta, size) => {
    // when it was logged: the main side may write it much later
    const record: CoreToMain = { type: 'log', level, message, at: Date.now() };
    if (meta !== undefined) record.meta = meta;
    if (size !== undefined) record.size = size;
    try {
      port.postMessage(record);
    } catch {
      port.postMessage({ ...record, meta: cloneableMeta(meta) } satisfies CoreToMain);
    }
  };
}

/**
 * The metadata with each field that cannot be cloned in the form JSON gives it, as the main side's
 * records write it (a function left out, a Promise `{}`): the other fields stay fields of the record.
 */
function cloneableMeta(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  let entries: [string, unknown][];
  try {
    entries = Object.entries(meta ?? {});
  } catch {
    return unreadableMeta();
  }
  for (const [key, value] of entries) {
    try {
      fields[key] = structuredClone(value);
    } catch {
      const json = jsonForm(value);
      if (json !== undefined) fields[key] = json;
    }
  }
  return fields;
}

function jsonForm(value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return UNREADABLE_VALUE;
    }
  }
}

/** The metadata, its errors made plain; one field saying so when reading it throws (a getter, a Proxy's trap). */
function readableMeta(meta: unknown): Record<string, unknown> | undefined {
  try {
    return normalizeMeta(meta);
  } catch {
    return unreadableMeta();
  }
}

function unreadableMeta(): Record<string, unknown> {
  return { meta: 'metadata that cannot be read (reading it threw)' };
}

/** An Error, of this realm or another; true for a value that throws as it is checked (toPlainError then says it cannot be read). */
function errorLike(value: unknown): boolean {
  try {
    return value instanceof Error || isErrorLike(value);
  } catch {
    return true;
  }
}

/** Where `directLogger` writes when used outside a daebus thread (no winston on this side). */
export const consoleSink: Sink = (level, message, meta) => {
  const line = meta === undefined ? message : `${message} ${safeJson(meta)}`;
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else console.log(line);
};

/** An error of another realm (a vm context's), or one a library built by hand: a name and a message. */
function isErrorLike(value: unknown): boolean {
  const e = value as { name?: unknown; message?: unknown } | null;
  return typeof e === 'object' && e !== null && typeof e.message === 'string' && typeof e.name === 'string';
}

function normalizeMeta(meta: unknown): Record<string, unknown> | undefined {
  if (meta === undefined) return undefined;
  if (meta instanceof Error) return { error: toPlainError(meta) };
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) return withPlainErrors(meta as Record<string, unknown>);
  return { meta };
}

/**
 * Errors among the metadata's values as plain objects: structured clone keeps an Error's name,
 * message and stack but drops its own fields (`code`, `details`), which the main side's log writes.
 * The caller's object is copied only when it holds one.
 */
function withPlainErrors(meta: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(meta)) {
    const value = meta[key];
    if (value instanceof Error) (copy ??= { ...meta })[key] = toPlainError(value);
  }
  return copy ?? meta;
}
