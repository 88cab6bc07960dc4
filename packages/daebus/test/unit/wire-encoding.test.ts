// The wire encoders (main/rpc/wire.ts) join JSON text instead of stringifying an object: their
// text must be exactly what JSON.stringify gives for the object in Python Daebus's key order.
import { LocalRequest } from '../../src/main/rpc/local-messages';
import { RequestEncoder, payloadJson } from '../../src/main/rpc/outgoing-json';
import { encodeResponse } from '../../src/main/rpc/wire';

const awkward = ['plain', 'with "quotes" and \\ slashes', 'line\nbreak\ttab\u0001', 'ünïcødé ☃ \u2028', ''];

describe('RequestEncoder', () => {
  it('writes the same text as the request object stringified, whatever the names hold', () => {
    for (const replyTo of awkward) {
      for (const service of awkward) {
        const encoder = new RequestEncoder(replyTo, service);
        for (const action of awkward) {
          for (const requestId of ['0e1f2a3b-4c5d-4e6f-8a9b-000000000001', 'id "odd"']) {
            const payload = { n: 1, text: awkward[1], nested: { list: [1, 'two', null] } };
            const expected = JSON.stringify({ action, payload, reply_to: replyTo, request_id: requestId, service });
            const text = encoder.encode(action, payloadJson(payload), requestId);
            expect(text).toBe(expected);
            expect(Object.keys(JSON.parse(text) as object)).toEqual(['action', 'payload', 'reply_to', 'request_id', 'service']);
          }
        }
      }
    }
  });
});

describe('LocalRequest', () => {
  it('as text, is the request a caller writes on the wire', () => {
    const payload = { n: 1, text: awkward[2] };
    const request = new LocalRequest(awkward[1] as string, payloadJson(payload), 'caller:x', 'id-1', awkward[3] as string);
    expect(request.toText()).toBe(
      JSON.stringify({ action: awkward[1], payload, reply_to: 'caller:x', request_id: 'id-1', service: awkward[3] }),
    );
  });
});

describe('encodeResponse', () => {
  it('writes the same text as the response object stringified: status, payload, request_id, final', () => {
    for (const status of ['success', 'error', 'progress'] as const) {
      for (const requestId of ['0e1f2a3b-4c5d-4e6f-8a9b-000000000001', awkward[2], 7, undefined]) {
        for (const payload of [{ ok: true, echo: awkward[1] }, [1, 2], 'text', 0, null, {}]) {
          for (const final of [true, false]) {
            const expected = JSON.stringify({ status, payload, request_id: requestId ?? null, final });
            expect(encodeResponse({ status, payload, requestId, final })).toBe(expected);
          }
        }
      }
    }
  });

  it('leaves the payload out when JSON leaves it out (a toJSON() that returns undefined), as an object would', () => {
    const payload = { toJSON: () => undefined };
    const text = encodeResponse({ status: 'success', payload, requestId: 'r1', final: true });
    expect(text).toBe(JSON.stringify({ status: 'success', payload, request_id: 'r1', final: true }));
    expect(JSON.parse(text)).toEqual({ status: 'success', request_id: 'r1', final: true });
  });
});
