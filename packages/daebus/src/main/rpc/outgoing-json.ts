/**
 * The JSON text of what a caller sends: a request, a broadcast, a message to a service. Each
 * payload must be a JSON object on the wire (docs/protocol.md in the repository), as Python
 * Daebus reads them; what is not is refused here, at the caller, with INVALID_ARGUMENT.
 */
import { checkBroadcastPayload, notAnObject } from '../../shared/broadcast-payload';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';

/**
 * Requests as wire text, with the Python caller's key order: action, payload, reply_to,
 * request_id, service. The two fields a caller never changes (its reply channel, the service)
 * are JSON once, and each request joins the rest to them (on Node 20, 0.3 µs a request less than
 * an object made and stringified each time).
 */
export class RequestEncoder {
  readonly #replyTo: string;
  readonly #service: string;

  constructor(replyTo: string, service: string) {
    this.#replyTo = `,"reply_to":${JSON.stringify(replyTo)},"request_id":`;
    this.#service = `,"service":${JSON.stringify(service)}}`;
  }

  /** `payloadJson` is the payload's JSON text (`payloadJson()`). */
  encode(action: string, payloadJson: string, requestId: string): string {
    return `{"action":${JSON.stringify(action)},"payload":${payloadJson}${this.#replyTo}${JSON.stringify(requestId)}${this.#service}`;
  }
}

/** The payload as JSON text: a toJSON() that returns nothing is an error here, not a field left out on the wire. */
export function payloadJson(payload: Record<string, unknown>, withAction?: string): string {
  let json: string | undefined;
  try {
    // the action's field added here, where a getter that throws as the spread reads it is caught too
    json = JSON.stringify(withAction === undefined ? payload : { ...payload, action: withAction }) as string | undefined;
  } catch (err) {
    // a BigInt, a cycle: the caller's mistake, not the transport's (a retry would fail the same way)
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      `The payload cannot be encoded as JSON (${toPlainError(err).message}); send plain JSON data.`,
    );
  }
  if (json === undefined) {
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      'The payload encodes to nothing (its toJSON() returned undefined); send a JSON object.',
    );
  }
  // a toJSON() giving something else (a Date gives a string): a service reads only an object
  if (json.charCodeAt(0) !== 0x7b /* { */) {
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      `The payload must encode to a JSON object; it encodes to ${json.length > 60 ? `${json.slice(0, 60)}...` : json}. Wrap the value in an object, e.g. { value }.`,
    );
  }
  return json;
}

/** `payload` as the JSON text of a broadcast on a channel: a JSON object, else INVALID_ARGUMENT naming `where`. */
export function messageJson(where: string, payload: unknown): string {
  checkBroadcastPayload(where, payload);
  let message: string | undefined;
  try {
    message = JSON.stringify(payload) as string | undefined;
  } catch (err) {
    throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `${where}: the payload cannot be encoded as JSON (${toPlainError(err).message}).`);
  }
  // an object whose toJSON() gives something else (a Date gives a string) is not an object on the wire
  if (message?.charCodeAt(0) !== 0x7b /* { */) throw notAnObject(where, message === undefined ? payload : JSON.parse(message));
  return message;
}

/** A fire-and-forget message to a service: the payload's own fields with `action` added at the top. */
export function encodeServiceMessage(payload: Record<string, unknown>, action: string | undefined): string {
  // a toJSON() of its own (a Date's, a class's) says what its fields are, and a boxed primitive
  // has none: read from its JSON (which refuses what is not an object)
  if (action !== undefined && readsAsJson(payload))
    return JSON.stringify({ ...(JSON.parse(payloadJson(payload)) as Record<string, unknown>), action });
  return payloadJson(payload, action);
}

function readsAsJson(payload: Record<string, unknown>): boolean {
  try {
    return typeof payload.toJSON === 'function' || isBoxed(payload);
  } catch {
    // a getter or a Proxy trap that throws: payloadJson reports it as the payload's fault
    return true;
  }
}

function isBoxed(value: object): boolean {
  return (
    value instanceof String || value instanceof Number || value instanceof Boolean || value instanceof BigInt || value instanceof Symbol
  );
}
