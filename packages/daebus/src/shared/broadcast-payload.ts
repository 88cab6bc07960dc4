import { DaebusError, ErrorCodes } from './errors';
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
  return new DaebusError(
    ErrorCodes.INVALID_ARGUMENT,
    `${where}: the payload must be a JSON object (got ${show(payload)}); a broadcast is an object, as Python Daebus ` +
      `sends and reads it: wrap the value in one, e.g. { value: ${show(payload)} }.`,
  );
}
