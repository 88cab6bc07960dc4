import { DaebusError, ErrorCodes } from '../../shared/errors';
import { LOG_LEVELS as LEVELS, type LogLevel as LogLevelName } from '../../shared/protocol/core';

/** Python's names for the same levels, as a Python Daebus service's `LOG_LEVEL` spells them. */
const PYTHON_NAMES: Record<string, LogLevelName> = { warning: 'warn', critical: 'error', fatal: 'error', notset: 'silly' };

/**
 * The winston level `value` names, in any case, Python's names included (`DEBUG`, `WARNING`,
 * `CRITICAL`); undefined for anything else. winston itself takes an unknown level without a
 * word and then writes nothing at all, errors included.
 */
export function parseLogLevel(value: string): LogLevelName | undefined {
  const name = value.trim().toLowerCase();
  return (LEVELS as readonly string[]).includes(name) ? (name as LogLevelName) : PYTHON_NAMES[name];
}

export function describeLevels(): string {
  return `${LEVELS.join(', ')} (any case; Python's WARNING and CRITICAL too)`;
}

/** The level of an explicit `level` option: an unknown one is an error, as every bad option is. */
export function checkedLogLevel(value: unknown, where: string): LogLevelName {
  const level = typeof value === 'string' ? parseLogLevel(value) : undefined;
  if (level === undefined) {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `${where}: level ${JSON.stringify(value)} is not a log level; use one of ${describeLevels()}.`,
    );
  }
  return level;
}

/**
 * The index (in LOG_LEVELS) of the most verbose level `logger` writes, for a thread to leave out
 * what would be dropped here; all of them when the logger cannot say (not a winston logger).
 */
export function mostVerboseLevel(logger: { isLevelEnabled?: (level: string) => boolean }): number {
  if (typeof logger.isLevelEnabled !== 'function') return LEVELS.length - 1;
  for (let index = LEVELS.length - 1; index > 0; index--) {
    if (logger.isLevelEnabled(LEVELS[index] as string)) return index;
  }
  return 0;
}
