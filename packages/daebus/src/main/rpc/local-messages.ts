import type { ObjectMessage } from '../transport/transport';
import {
  decodeRequest,
  decodeResponse,
  encodeResponse,
  readRequest,
  readResponse,
  refusingPrototypeKeys,
  replyJson,
  type DecodedRequest,
  type DecodedResponse,
  type WireResponse,
} from './wire';
import { RequestEncoder } from './outgoing-json';

/*
 * Requests and replies between a caller and a service in one process (the memory transport).
 * The envelope travels as fields and only the payload as JSON text, encoded by the sender when
 * it sends: each receiver parses its own copy, exactly what it would get from the wire, and a
 * receiver that takes text gets the wire text. What this saves is the envelope's JSON (two ids
 * and two channel names each way), about a third of an in-process round trip.
 */

/** A request, as DaebusCaller sends it. */
export class LocalRequest implements ObjectMessage {
  constructor(
    readonly action: string,
    /** The payload as JSON, taken when sent: later changes to the caller's object do not travel. */
    readonly payloadJson: string,
    readonly replyTo: string,
    readonly requestId: string,
    readonly service: string,
  ) {}

  toText(): string {
    return new RequestEncoder(this.replyTo, this.service).encode(this.action, this.payloadJson, this.requestId);
  }

  /** At least the size of the text in UTF-8 bytes: JSON escapes a character in at most 6, UTF-8 takes at most 3 bytes per unit. */
  bytesBound(): number {
    const envelope = this.action.length + this.replyTo.length + this.requestId.length + this.service.length;
    return 3 * (this.payloadJson.length + 6 * envelope + 80);
  }
}

/** A reply, as a service's ActionResponse sends it. */
export class LocalResponse implements ObjectMessage {
  constructor(
    readonly status: WireResponse['status'],
    /** The payload as JSON; undefined for a value JSON leaves out (as the wire text would). */
    readonly payloadJson: string | undefined,
    readonly requestId: string | number | undefined,
    readonly final: boolean,
  ) {}

  toText(): string {
    const { status, requestId, final } = this;
    return encodeResponse({ status, payload: parse(this.payloadJson), requestId, final });
  }
}

/** A reply as an object message: the payload encoded now (it throws as JSON.stringify does). */
export function localResponse(response: WireResponse): LocalResponse {
  return new LocalResponse(response.status, replyJson(response.payload), response.requestId, response.final);
}

/** `decodeRequest` for a message as a transport delivers it: text (maybe not UTF-8, see MessageHandler), or an object message. */
export function decodeRequestMessage(raw: string | ObjectMessage, maxBytes: number, notUtf8?: boolean): DecodedRequest {
  if (typeof raw === 'string') return decodeRequest(raw, maxBytes, notUtf8);
  // a large one is checked on its exact text, as over the wire
  if (!(raw instanceof LocalRequest) || raw.bytesBound() > maxBytes) return decodeRequest(raw.toText(), maxBytes);
  // Made by DaebusCaller from a checked action name, its reply channel, a uuid and a service
  // name, with a payload that was a plain object: readRequest's checks hold by construction,
  // unless an object's toJSON made the payload something else (then they run, as on the wire).
  const { action, replyTo, requestId, service } = raw;
  const payload: unknown = JSON.parse(raw.payloadJson);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || action.length === 0) {
    return refusingPrototypeKeys(readRequest({ action, payload, reply_to: replyTo, request_id: requestId, service }), raw.payloadJson);
  }
  const read: DecodedRequest = { ok: true, request: { action, payload: payload as Record<string, unknown>, replyTo, requestId, service } };
  return refusingPrototypeKeys(read, raw.payloadJson);
}

/** `decodeResponse` for a message as a transport delivers it: text (maybe not UTF-8), or an object message. */
export function decodeResponseMessage(raw: string | ObjectMessage, notUtf8?: boolean): DecodedResponse | undefined {
  if (typeof raw === 'string') return decodeResponse(raw, notUtf8);
  if (!(raw instanceof LocalResponse)) return decodeResponse(raw.toText());
  return readResponse({ status: raw.status, payload: parse(raw.payloadJson), request_id: raw.requestId ?? null, final: raw.final });
}

function parse(json: string | undefined): unknown {
  return json === undefined ? undefined : JSON.parse(json);
}
