// Log records whose values throw as they are read (a getter, a Proxy's trap, a revoked Proxy), as
// a `catch (e)` can hand them to a log call: the library's loggers write what they can instead of
// throwing into the code that logs (a handled error turned into a failed request).
import winston from 'winston';
import { describeThrown, UNREADABLE_ERROR } from '../../shared/errors';
import { UNREADABLE_VALUE } from '../../shared/json';

const LEVEL = Symbol.for('level');

/**
 * `inner`, and when it throws on the record: the record again with its message as text and only
 * its fields of plain values (the action, the request id), saying that the others were left out.
 */
export function readableRecords(inner: winston.Logform.Format): winston.Logform.Format {
  return winston.format((info) => {
    try {
      return inner.transform(info, inner.options);
    } catch {
      const record: Record<string | symbol, unknown> = { ...plainFields(info), level: info.level, message: messageText(info) };
      record.unreadable = 'fields that cannot be read were left out';
      record[LEVEL] = (info as Record<symbol, unknown>)[LEVEL];
      return inner.transform(record as winston.Logform.TransformableInfo, inner.options);
    }
  })();
}

/** The record's fields that hold a string, a number or a boolean, each read on its own. */
function plainFields(info: object): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  let keys: string[] = [];
  try {
    keys = Object.keys(info);
  } catch {
    // none then
  }
  for (const key of keys) {
    try {
      const value = (info as Record<string, unknown>)[key];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
    } catch {
      // left out
    }
  }
  return fields;
}

function messageText(info: { message?: unknown }): string {
  try {
    const { message } = info;
    return typeof message === 'string' ? message : describeThrown(message);
  } catch {
    return UNREADABLE_ERROR;
  }
}

/**
 * A logger method that never throws: called again with each argument that is an object replaced
 * by a copy of the fields it can read (winston reads a metadata object's getters as it logs), and
 * when that throws too, with nothing logged.
 */
export function guardedLogCall(method: (...args: unknown[]) => unknown, logger: object): (...args: unknown[]) => unknown {
  return (...args) => {
    try {
      return method.apply(logger, args);
    } catch {
      try {
        return method.apply(logger, args.map(readableCopy));
      } catch {
        return logger; // a log line is not worth a failure of the code that logs
      }
    }
  };
}

function readableCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const copy: Record<string, unknown> = {};
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    return { message: UNREADABLE_ERROR };
  }
  for (const key of keys) {
    try {
      copy[key] = (value as Record<string, unknown>)[key];
    } catch {
      copy[key] = UNREADABLE_VALUE;
    }
  }
  try {
    const { message } = value as { message?: unknown };
    if (typeof message === 'string' && !('message' in copy)) copy.message = message;
  } catch {
    copy.message = UNREADABLE_ERROR;
  }
  return copy;
}
