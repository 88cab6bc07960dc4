import { DaebusError, ErrorCodes } from './errors';

/**
 * The payload of a progress update, as Python Daebus sends it: `data` with `progress_percentage`
 * (clamped to 0-100) added; data that is not an object is sent as `{ data }`. A percentage that
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
  const body = data !== null && typeof data === 'object' && !Array.isArray(data) ? data : { data };
  return { ...body, progress_percentage: pct };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return 'NaN';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
