// Where the error reply to a request that is not parsed whole goes: its top-level fields, never a payload's.
import { decodeRequest } from '../../src/main/rpc/wire';

const MAX = 64 * 1024;
const blob = 'x'.repeat(100_000);

describe('the reply address of a request refused whole', () => {
  it('is the top-level reply_to and request_id of an oversized request, after a payload that has its own (Python key order)', () => {
    // Python's caller writes payload before reply_to: the payload's keys came first, and were taken
    const raw = JSON.stringify({
      action: 'store',
      payload: { reply_to: 'orders.results', request_id: 'job-17', note: 'a "quoted" \\ text', blob },
      reply_to: 'svc.responses.caller',
      request_id: 'real-id',
    });
    expect(decodeRequest(raw, MAX)).toMatchObject({
      ok: false,
      replyTo: 'svc.responses.caller',
      requestId: 'real-id',
      error: expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }),
    });
  });

  it('is the top-level one too when the envelope comes first and the payload ends with its own', () => {
    const raw = JSON.stringify({
      reply_to: 'svc.responses.caller',
      request_id: 'real-id',
      action: 'store',
      payload: { blob, list: [{ reply_to: 'elsewhere' }], request_id: 'job-17', reply_to: 'orders.results' },
    });
    expect(decodeRequest(raw, MAX)).toMatchObject({ replyTo: 'svc.responses.caller', requestId: 'real-id' });
  });

  it('falls back to <service>.responses, reads escapes, and finds the address in text that is not JSON', () => {
    const tooLarge = JSON.stringify({ action: 'store', payload: { blob, service: 'other' }, service: 'sv\\c', request_id: 'id-\u00e9' });
    expect(decodeRequest(tooLarge, MAX)).toMatchObject({ replyTo: 'sv\\c.responses', requestId: 'id-é' });
    const broken =
      '{"action": "store", "payload": {"reply_to": "orders.results", "x": [1, 2]}, "reply_to": "mine", "request_id": "r1", oops';
    expect(decodeRequest(broken, MAX)).toMatchObject({ ok: false, replyTo: 'mine', requestId: 'r1' });
  });

  it('takes the last of repeated top-level keys, as JSON.parse does, and reads escaped key names', () => {
    const repeated = `{"reply_to": "first", "request_id": "a", "payload": {"blob": "${blob}"}, "reply_to": "last", "request_id": "b"}`;
    expect(JSON.parse(repeated)).toMatchObject({ reply_to: 'last', request_id: 'b' });
    expect(decodeRequest(repeated, MAX)).toMatchObject({ ok: false, replyTo: 'last', requestId: 'b' });
    // "reply\u005fto" is reply_to once read
    const escaped = `{"payload": {"blob": "${blob}"}, "reply\\u005fto": "mine", "request\\u005fid": "r2"}`;
    expect(JSON.parse(escaped)).toMatchObject({ reply_to: 'mine', request_id: 'r2' });
    expect(decodeRequest(escaped, MAX)).toMatchObject({ replyTo: 'mine', requestId: 'r2' });
  });

  it('takes no address whose last value is not a string', () => {
    const notString = `{"reply_to": "first", "request_id": "a", "payload": {"blob": "${blob}"}, "reply_to": {"x": 1}, "request_id": 7}`;
    const decoded = decodeRequest(notString, MAX);
    expect(decoded).toMatchObject({ ok: false });
    expect(decoded).not.toHaveProperty('requestId');
    expect(decoded).not.toHaveProperty('replyTo', 'first');
  });
});
