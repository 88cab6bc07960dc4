// The frames of the WebSocket endpoint, as Python Daebus frames them: a client sends
// `{ "type": t, "data": d }`; a handler's reply goes back as `{ "type": "response", "data": r }`;
// sends and broadcasts are `{ "type": t, "data": d }`. Errors are `{ "type": "error", ... }` with
// the message and code both at the top level (where Daebus puts protocol errors) and in `data`
// (where it puts a handler's error), so a client written for either reads them. A message's
// `id`, when it has one, comes back on its reply or error (Daebus has none).
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { safeJson } from '../../shared/json';
import { NOT_JSON, parseWireJson } from '../../shared/python-json';
import { isPlainObject } from '../../shared/validate';
import { changesAPrototype, mayChangeAPrototype } from '../rpc/prototype-keys';

export type MessageId = string | number;

/** `oddId`: the message has an id the reply cannot carry back (not a string or a number): it goes without one. */
export type Decoded = { ok: true; type: string; data: unknown; id: MessageId | undefined; oddId?: true } | { ok: false; frame: string };

/** Read one frame from a client; what is not a message becomes the error frame to answer with. */
export function decodeMessage(raw: string): Decoded {
  // Python's json.dumps writes NaN and Infinity: read too (only after JSON.parse failed)
  const message = parseWireJson(raw);
  if (message === NOT_JSON) return { ok: false, frame: errorFrame('Invalid JSON', ErrorCodes.BAD_REQUEST) };
  if (!isPlainObject(message)) {
    return { ok: false, frame: errorFrame('A message must be a JSON object: {"type": ..., "data": ...}', ErrorCodes.BAD_REQUEST) };
  }
  const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : undefined;
  if (mayChangeAPrototype(raw) && changesAPrototype(message)) {
    const error =
      'The message holds a "__proto__" key, or a "constructor" object with a "prototype" key: refused, as such keys could change an object\'s prototype. Rename the key.';
    return { ok: false, frame: errorFrame(error, ErrorCodes.BAD_REQUEST, { id }) };
  }
  if (message.type === undefined || message.type === null || message.type === '') {
    return { ok: false, frame: errorFrame('No message type provided', ErrorCodes.BAD_REQUEST, { id }) };
  }
  if (typeof message.type !== 'string') {
    const got = Array.isArray(message.type) ? 'an array' : isPlainObject(message.type) ? 'an object' : safeJson(message.type).slice(0, 80);
    return { ok: false, frame: errorFrame(`The message type must be a string (got ${got})`, ErrorCodes.BAD_REQUEST, { id }) };
  }
  // Daebus hands a handler `{}` when the message has no data; Python Daebus reads no id at all,
  // so a client written for it may send any: the message runs, its reply carries none
  const data = message.data === undefined ? {} : message.data;
  if (id === undefined && message.id !== undefined && message.id !== null) return { ok: true, type: message.type, data, id, oddId: true };
  return { ok: true, type: message.type, data, id };
}

/** The `id` of a message that is not handled (refused by the rate limit), if it has one. */
export function messageId(raw: string): MessageId | undefined {
  const message = parseWireJson(raw);
  const id = isPlainObject(message) ? message.id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** The type of a message not handled (refused as the service stopped), if it is one. */
export function typeOf(raw: string): string | undefined {
  const decoded = decodeMessage(raw);
  return decoded.ok ? decoded.type : undefined;
}

/** `{ type, data }` as text; data that is not JSON is refused with INVALID_ARGUMENT. */
export function frame(type: string, data: unknown, id?: MessageId): string {
  let text: string | undefined;
  const value = data === undefined ? null : data;
  try {
    // JSON would leave a function or a symbol out: the client would read a frame with no data
    if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError(`a ${typeof value} is not JSON data`);
    text = JSON.stringify(id === undefined ? { type, data: value } : { type, data: value, id });
  } catch (err) {
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      `A WebSocket message of type "${type}" cannot be encoded as JSON: ${toPlainError(err).message}`,
    );
  }
  return text;
}

/** A handler's reply as a frame; BAD_RESPONSE when it cannot be encoded. */
export function replyFrame(data: unknown, id: MessageId | undefined): string {
  try {
    return frame('response', data, id);
  } catch (err) {
    throw new DaebusError(ErrorCodes.BAD_RESPONSE, toPlainError(err).message);
  }
}

/** A handler's reply, or the error frame saying it cannot be encoded. */
export function responseFrame(data: unknown, id: MessageId | undefined): string {
  try {
    return replyFrame(data, id);
  } catch (err) {
    return errorFrame(toPlainError(err).message, ErrorCodes.BAD_RESPONSE, { id });
  }
}

export function errorFrame(message: string, code: string, extra: { id?: MessageId | undefined; retry_after?: number } = {}): string {
  const out: Record<string, unknown> = { type: 'error', error: message, code, data: { error: message, code } };
  if (extra.id !== undefined) out.id = extra.id;
  if (extra.retry_after !== undefined) out.retry_after = extra.retry_after;
  return JSON.stringify(out);
}

/** A close reason fits in 123 bytes; longer ones are cut (by characters, then checked in bytes). */
export function closeReason(text: string): string {
  let reason = text.length > 123 ? text.slice(0, 123) : text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

/** A received message's text (ws hands over a Buffer, a list of them, or an ArrayBuffer). */
export function frameText(data: Buffer | ArrayBuffer | Buffer[]): string {
  if (Buffer.isBuffer(data)) return data.toString();
  if (Array.isArray(data)) return Buffer.concat(data).toString();
  return Buffer.from(data).toString();
}
