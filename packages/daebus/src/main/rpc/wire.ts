/**
 * Daebus's wire format (docs/protocol.md in the repository): requests on the service channel, responses on the
 * caller's reply channel. Field names, key order and values match the Python framework.
 */
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { safeJson } from '../../shared/json';
import { NOT_JSON, parseWireJson } from '../../shared/python-json';
import { peekEnvelope } from './envelope-peek';
import { changesAPrototype, mayChangeAPrototype } from './prototype-keys';
import { clipped } from '../../shared/clipped';

/** A request as it arrives on a service channel, after validation. */
export interface WireRequest {
  action: string;
  payload: Record<string, unknown>;
  replyTo?: string;
  requestId?: string;
  /** The target service named by the caller (Python callers always send it). */
  service?: string;
}

export interface WireResponse {
  status: 'success' | 'error' | 'progress';
  payload: unknown;
  /** Echoed as the request sent it; a request id that is not a string only appears in the error reply about it. */
  requestId?: string | number;
  final: boolean;
}

/** The outcome of reading a request: the request, or an error and where to send it (if anywhere). */
export type DecodedRequest =
  { ok: true; request: WireRequest } | { ok: false; error: DaebusError; replyTo?: string; requestId?: string | number; action?: string };

/**
 * A reply's payload as JSON; undefined for what JSON leaves out (nothing returned, a toJSON()
 * giving undefined). A function or a symbol throws: JSON would leave it out too, and the caller
 * would read `{}` for a value the handler never meant to send (a BigInt throws likewise).
 */
export function replyJson(payload: unknown): string | undefined {
  const json = JSON.stringify(payload) as string | undefined;
  if (json === undefined && (typeof payload === 'function' || typeof payload === 'symbol')) {
    throw new TypeError(`a ${typeof payload} is not JSON data`);
  }
  return json;
}

/** Encode a response with Python's key order: status, payload, request_id, final. */
export function encodeResponse(response: WireResponse): string {
  const payload = replyJson(response.payload);
  // a payload JSON leaves out (a toJSON() giving undefined) leaves its key out, as an object's would
  if (payload === undefined)
    return JSON.stringify({ status: response.status, request_id: response.requestId ?? null, final: response.final });
  // joined, not an object stringified: the status is one of three words, the rest is JSON already
  return `{"status":"${response.status}","payload":${payload},"request_id":${JSON.stringify(response.requestId ?? null)},"final":${response.final}}`;
}

/** Where the reply to a request goes: its `reply_to`, else `<service>.responses`, else nowhere. */
export function replyChannel(replyTo: string | undefined, service: string | undefined): string | undefined {
  if (replyTo) return replyTo;
  if (service) return `${service}.responses`;
  return undefined;
}

/** Where the reply to `raw` goes, and what it names, read as far as it can be (a request the service answers without running it). */
export function replyAddress(raw: string, maxBytes: number): { replyTo?: string; requestId?: string | number; action?: string } {
  const decoded = decodeRequest(raw, maxBytes);
  if (!decoded.ok) return decoded;
  const { replyTo, service, requestId, action } = decoded.request;
  return { replyTo: replyChannel(replyTo, service), requestId, action };
}

/** Why a request whose bytes are not UTF-8 is refused (BAD_REQUEST), here and by the replicas' intake. */
export const NOT_UTF8_REQUEST = 'The request is not valid UTF-8; send its JSON text encoded as UTF-8.';

/**
 * Read and check one message from a service channel. Never throws. `notUtf8`: the transport
 * found its bytes not valid UTF-8 (`raw` has U+FFFD in their place): refused, as Python refuses it.
 */
export function decodeRequest(raw: string, maxBytes: number, notUtf8?: boolean): DecodedRequest {
  if (raw.length > maxBytes / 3 && Buffer.byteLength(raw) > maxBytes) {
    return {
      ok: false,
      ...peekAddress(raw),
      error: new DaebusError(
        ErrorCodes.PAYLOAD_TOO_LARGE,
        `The request is ${Buffer.byteLength(raw)} bytes; this service accepts at most ${maxBytes}.`,
      ),
    };
  }
  if (notUtf8 === true) {
    return { ok: false, ...addressOf(raw), error: bad(NOT_UTF8_REQUEST) };
  }
  // Python's json.dumps writes NaN and Infinity: read too (only after JSON.parse failed)
  const message = parseWireJson(raw);
  if (message === NOT_JSON) {
    // still answer when the broken text shows where to
    return {
      ok: false,
      ...peekAddress(raw),
      error: bad(`The request is not JSON (${preview(raw)}); send a JSON object with an "action".`),
    };
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return {
      ok: false,
      error: bad(
        `The request must be a JSON object with an "action", got ${Array.isArray(message) ? 'an array' : typeof message === 'object' ? 'null' : typeof message}.`,
      ),
    };
  }
  return refusingPrototypeKeys(readRequest(message as Record<string, unknown>), raw);
}

/**
 * `read`, or BAD_REQUEST when its payload holds a `__proto__` key (or a `constructor` holding a
 * `prototype`): a handler that merges the payload into an object (`Object.assign({}, payload)`)
 * would change that object's prototype. `text`: the JSON the payload came in, looked at first.
 */
export function refusingPrototypeKeys(read: DecodedRequest, text: string): DecodedRequest {
  if (!read.ok || !mayChangeAPrototype(text) || !changesAPrototype(read.request.payload)) return read;
  const { action, replyTo, service, requestId } = read.request;
  const message =
    'The request\'s payload holds a "__proto__" key (or a "constructor" holding a "prototype"): refused, as a handler merging ' +
    "the payload into an object would change that object's prototype. Rename the key.";
  return { ok: false, ...errorAddress(replyTo, service, requestId), action, error: bad(message) };
}

/** Check a request's fields, as decoded from its JSON object. Never throws. */
export function readRequest(fields: Record<string, unknown>): DecodedRequest {
  const replyTo = typeof fields.reply_to === 'string' && fields.reply_to.length > 0 ? fields.reply_to : undefined;
  const rawId = fields.request_id;
  const requestId = typeof rawId === 'string' ? rawId : undefined;
  // a number is echoed in the error reply, so that its caller can still match it
  const echoedId = requestId ?? (typeof rawId === 'number' && Number.isFinite(rawId) ? rawId : undefined);
  const service = typeof fields.service === 'string' && fields.service.length > 0 ? fields.service : undefined;
  // where an error reply goes: built only on the error paths below (no closure per request)
  const where = errorAddress;

  if (typeof fields.action !== 'string' || fields.action.length === 0) {
    const what =
      fields.action === undefined
        ? 'has no "action"'
        : fields.action === ''
          ? 'has an empty "action"'
          : `has an "action" that is not a string (${shown(fields.action)})`;
    return { ok: false, ...where(replyTo, service, echoedId), error: bad(`The request ${what}; name the action to run.`) };
  }
  const action = fields.action;
  if (rawId !== undefined && rawId !== null && requestId === undefined) {
    return {
      ok: false,
      ...where(replyTo, service, echoedId),
      action,
      error: bad(`The request's "request_id" must be a string (got ${shown(rawId)}).`),
    };
  }
  const payload = readPayload(fields);
  if (payload instanceof DaebusError) return { ok: false, ...where(replyTo, service, echoedId), action, error: payload };
  // the hot path: one object, no spreads
  const request: WireRequest = { action, payload };
  if (replyTo !== undefined) request.replyTo = replyTo;
  if (requestId !== undefined) request.requestId = requestId;
  if (service !== undefined) request.service = service;
  return { ok: true, request };
}

/** Where the error reply to a request refused whole goes: from its fields when its text parses, else peeked at. */
function addressOf(raw: string): { replyTo?: string; requestId?: string | number; action?: string } {
  const message = parseWireJson(raw);
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    return peekAddress(raw);
  }
  const read = readRequest(message as Record<string, unknown>);
  if (!read.ok)
    return { ...optional('replyTo', read.replyTo), ...optional('requestId', read.requestId), ...optional('action', read.action) };
  const { replyTo, service, requestId, action } = read.request;
  return { ...errorAddress(replyTo, service, requestId), action };
}

/** Where the error reply to a request goes, from the fields it has. */
function errorAddress(
  replyTo: string | undefined,
  service: string | undefined,
  echoedId: string | number | undefined,
): { replyTo?: string; requestId?: string | number } {
  return { ...optional('replyTo', replyChannel(replyTo, service)), ...optional('requestId', echoedId) };
}

function readPayload(fields: Record<string, unknown>): Record<string, unknown> | DaebusError {
  if (!Object.hasOwn(fields, 'payload')) {
    // A "send to service" message: the payload is the message's own fields. Rest properties
    // define each key as plain data: a "__proto__" key stays a key, it never sets a prototype.
    const { action: _a, reply_to: _r, request_id: _i, service: _s, ...own } = fields;
    return own;
  }
  let payload = fields.payload;
  if (payload === null || payload === undefined) return {};
  if (typeof payload === 'string') {
    payload = parseWireJson(payload);
    if (payload === NOT_JSON) {
      return bad(`The request's "payload" is a string that is not JSON (${preview(fields.payload as string)}); send an object.`);
    }
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return bad(
      `The request's "payload" must be a JSON object, got ${Array.isArray(payload) ? 'an array' : payload === null ? 'null' : typeof payload}.`,
    );
  }
  return payload as Record<string, unknown>;
}

/** A reply as a caller reads it. */
export interface DecodedResponse {
  /** True for an error reply; every other status (success, progress, another word) is a success. */
  error: boolean;
  payload: unknown;
  requestId: string;
  final: boolean;
  /** Set when the message names `requestId` but cannot be read: why (`is not JSON (...)`, `is not valid UTF-8`, PROTOTYPE_KEYS). */
  unreadable?: string;
}

/** Why a reply whose payload holds a key that could change a prototype is refused (see changesAPrototype). */
export const PROTOTYPE_KEYS = 'holds a "__proto__" key (or a "constructor" holding a "prototype") in its payload';

/**
 * Decode a message on a reply channel, as Python Daebus's caller reads it; undefined when it is
 * not a reply to a request of ours. A missing `final` counts as true, and `final: false` (or
 * another false value) marks an update; a missing payload is `{}`. Python's NaN, Infinity and
 * -Infinity are read. A message that cannot be read but shows a request id, or whose payload
 * holds a `__proto__` key, comes back with `unreadable` set, so that its request fails at once instead of at its timeout.
 */
export function decodeResponse(raw: string, notUtf8?: boolean): DecodedResponse | undefined {
  if (notUtf8 === true) return unreadableResponse(raw, 'is not valid UTF-8');
  const message = parseWireJson(raw);
  if (message === NOT_JSON) return unreadableResponse(raw, `is not JSON (${preview(raw)})`);
  if (message === null || typeof message !== 'object') return undefined;
  const response = readResponse(message as Record<string, unknown>);
  // as in a request's payload: code merging the reply into an object would change that object's prototype
  if (response !== undefined && mayChangeAPrototype(raw) && changesAPrototype(response.payload)) {
    return { ...response, error: true, payload: undefined, final: true, unreadable: PROTOTYPE_KEYS };
  }
  return response;
}

/** A reply that cannot be read, under the request id it shows (parsed, else peeked at); undefined when it shows none. */
function unreadableResponse(raw: string, why: string): DecodedResponse | undefined {
  let requestId: unknown;
  try {
    requestId = (JSON.parse(raw) as { request_id?: unknown } | null)?.request_id;
  } catch {
    // its top-level request_id: one in its payload (written first, as Python writes) is another request's
    requestId = peekEnvelope(raw).request_id;
  }
  if (typeof requestId !== 'string') return undefined;
  return { error: true, payload: undefined, requestId, final: true, unreadable: why };
}

/**
 * Read a reply's fields, as decoded from its JSON object; undefined when it is not a reply to a
 * request (no string `request_id`). As Python's caller reads it, only `"status": "error"` is an
 * error: a reply without a status (a hand-written responder's) is a success.
 */
export function readResponse(fields: Record<string, unknown>): DecodedResponse | undefined {
  if (typeof fields.request_id !== 'string') return undefined;
  return {
    error: fields.status === 'error',
    payload: fields.payload === undefined ? {} : fields.payload,
    requestId: fields.request_id,
    final: fields.final === undefined || Boolean(fields.final),
  };
}

/** Best effort: the reply address of a message not parsed whole (too large, or not JSON). */
function peekAddress(raw: string): { replyTo?: string; requestId?: string } {
  const fields = peekEnvelope(raw);
  return { ...optional('replyTo', replyChannel(fields.reply_to, fields.service)), ...optional('requestId', fields.request_id) };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function preview(text: string): string {
  return JSON.stringify(clipped(text, 60));
}

/** A JSON value as its JSON text (a number as written: NaN is not null), cut as `preview` cuts; never throws (a value nested too deep to encode). */
function shown(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : safeJson(value);
  return clipped(text, 60);
}

function bad(message: string): DaebusError {
  return new DaebusError(ErrorCodes.BAD_REQUEST, message);
}
