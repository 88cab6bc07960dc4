import { DaebusError, ErrorCodes } from '../../../shared/errors';

/** A value of a service-wide structure as Redis stores it: JSON text. */
export function encodeValue(where: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `${where}: the value cannot be stored as JSON (${(err as Error).message}).`);
  }
  if (text === undefined)
    throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `${where}: a service-wide structure stores JSON data, not ${typeof value}.`);
  return text;
}

export function decodeValue(text: string | null | undefined): unknown {
  return text === null || text === undefined ? undefined : (JSON.parse(text) as unknown);
}

/** JSON objects keyed by field, without letting a "__proto__" key set a prototype. */
export function decodeEntries(hash: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(hash).map(([key, text]) => [key, decodeValue(text)]));
}
