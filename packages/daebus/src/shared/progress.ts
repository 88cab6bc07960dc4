import { DaebusError, ErrorCodes } from './errors';

/**
 * The payload of a progress update, as Python Daebus sends it: `data` with `progress_percentage`
 * (clamped to 0-100) added; data that is not a plain object (after its toJSON(), if any) is sent
 * as `{ data }`. A percentage that
 * is not a number is refused: Python's `progress(payload, percentage)` takes its arguments the
 * other way round, and a ported call would otherwise send 0 without a word.
 */
export function progressPayload(percentage: unknown, data: unknown): Record<string, unknown> {
  if (typeof percentage !== 'number' || Number.isNaN(percentage)) {
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      `progress(percentage, data) takes the percentage first, a number (got ${describe(percentage)}); ` +
        "Python Daebus's progress(payload, percentage) has them the other way round.",
    );
  }
  const pct = Math.min(100, Math.max(0, percentage));
  // as JSON would send it: a toJSON() first (a Buffer, a Date, a class's instance), then only a
  // plain object is spread (a Map or another instance would lose its content); the rest is { data }
  const value = hasToJson(data) ? data.toJSON() : data;
  const body = isPlain(value) ? value : { data: value };
  return { ...body, progress_percentage: pct };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return 'NaN';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function hasToJson(value: unknown): value is { toJSON(): unknown } {
  return value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

function isPlain(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
