import { DaebusError, ErrorCodes } from '../../../shared/errors';

/** A value of a service-wide structure as Redis stores it: JSON text. */
export function encodeValue(where: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, refuseLossy);
  } catch (err) {
    throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `${where}: the value cannot be stored as JSON (${(err as Error).message}).`);
  }
  if (text === undefined)
    throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `${where}: a service-wide structure stores JSON data, not ${typeof value}.`);
  return text;
}

/**
 * JSON.stringify would store these as something else without a word (a Map or a Set as {}, NaN
 * and Infinity as null): a value read back must be the value stored, so they are refused. What
 * has a toJSON (a Date) is stored as that, as JSON means.
 */
function refuseLossy(key: string, value: unknown): unknown {
  const at = key === '' ? 'the value' : `"${key}"`;
  if (value instanceof Map || value instanceof Set)
    throw new Error(`${at} is a ${value.constructor.name}; store an object or an array instead`);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`${at} is ${value}, which JSON has no number for`);
  return value;
}

export function decodeValue(text: string | null | undefined): unknown {
  return text === null || text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/** JSON objects keyed by field, without letting a "__proto__" key set a prototype. */
export function decodeEntries(hash: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(hash).map(([key, text]) => [key, decodeValue(text)]));
}
