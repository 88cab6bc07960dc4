import { DaebusError, ErrorCodes } from './errors';
import { UNREADABLE_VALUE } from './json';
import { isPlainObject, show } from './validate';

/**
 * A broadcast is a JSON object on the wire (docs/protocol.md): Python Daebus's listeners drop
 * anything else ("Expected string or dict") and its own broadcast sends nothing else, while
 * PUBLISH still counts them as received. Checked on both sides of the thread boundary.
 */
export function checkBroadcastPayload(where: string, payload: unknown): void {
  if (!isPlainObject(payload)) throw notAnObject(where, payload);
}

/** INVALID_ARGUMENT for a broadcast payload that is not (or does not encode to) a JSON object. */
export function notAnObject(where: string, payload: unknown): DaebusError {
  const shown = show(payload);
  // a value that cannot be read (a revoked Proxy) is not worth wrapping
  const advice = shown === UNREADABLE_VALUE ? 'send plain JSON data' : `wrap the value in one, e.g. { value: ${shown} }`;
  return new DaebusError(
    ErrorCodes.INVALID_ARGUMENT,
    `${where}: the payload must be a JSON object (got ${shown}); a broadcast is an object, as Python Daebus ` +
      `sends and reads it: ${advice}.`,
  );
}
