// What Python Daebus puts on the wire that JSON.parse and a naive reader get wrong: NaN and
// Infinity (json.dumps writes them), bytes that are not UTF-8, broadcasts that are not objects,
// errors that are plain objects (Python sends str(dict)).
import { DaebusError } from '../../src/shared/errors';
import { toPlainError } from '../../src/shared/errors';
import { NOT_JSON, parseNonFinite } from '../../src/shared/python-json';
import { ReplyTable } from '../../src/main/rpc/reply-table';
import { messageJson } from '../../src/main/rpc/outgoing-json';
import { decodeRequest, decodeResponse } from '../../src/main/rpc/wire';
import type { CoreToMain } from '../../src/shared/protocol/core';
import { MainLink } from '../../src/thread/link';

describe('parseNonFinite (only after JSON.parse failed)', () => {
  it('reads NaN, Infinity and -Infinity outside strings as the JavaScript numbers', () => {
    expect(parseNonFinite('{"a": NaN, "b": Infinity, "c": -Infinity, "d": [NaN, 1, -Infinity]}')).toEqual({
      a: NaN,
      b: Infinity,
      c: -Infinity,
      d: [NaN, 1, -Infinity],
    });
    expect(parseNonFinite('NaN')).toBeNaN();
    expect(parseNonFinite('[Infinity,-Infinity]')).toEqual([Infinity, -Infinity]);
  });

  it('leaves the words alone inside strings, escaped quotes and backslashes included', () => {
    const text = String.raw`{"s": "NaN", "q": "say \"NaN\" and Infinity", "b": "ends with \\", "k": NaN, "NaN": "-Infinity"}`;
    expect(parseNonFinite(text)).toEqual({ s: 'NaN', q: 'say "NaN" and Infinity', b: 'ends with \\', k: NaN, NaN: '-Infinity' });
  });

  it('gives NOT_JSON for text that is not JSON even so', () => {
    // a token where a key goes, which Python refuses too (it came back as a key holding the internal mark)
    for (const text of [
      '{"a": nan}',
      '{"a": NaNa}',
      '{"a": "NaN"',
      'caf\uFFFD',
      '',
      '{"a": 1} x',
      '{"a": Infinity',
      '{NaN: 1}',
      '{"a": {Infinity: 2}}',
    ]) {
      expect(parseNonFinite(text)).toBe(NOT_JSON);
    }
  });
});

describe('decodeRequest', () => {
  it('takes a request holding NaN or Infinity (a Python caller sends them), in the payload or in a payload string', () => {
    const decoded = decodeRequest('{"action": "put", "payload": {"v": NaN, "w": [Infinity]}, "reply_to": "r", "request_id": "1"}', 1 << 20);
    expect(decoded).toMatchObject({ ok: true, request: { action: 'put', payload: { v: NaN, w: [Infinity] }, requestId: '1' } });
    const inString = decodeRequest('{"action": "put", "payload": "{\\"v\\": -Infinity}", "reply_to": "r", "request_id": "2"}', 1 << 20);
    expect(inString).toMatchObject({ ok: true, request: { payload: { v: -Infinity } } });
  });

  it('says what is wrong with an "action" or a "request_id" in plain words, showing the value as sent', () => {
    const message = (text: string) => {
      const decoded = decodeRequest(text, 1 << 20);
      return decoded.ok ? undefined : decoded.error.message;
    };
    expect(message('{"action": "", "reply_to": "r"}')).toBe('The request has an empty "action"; name the action to run.');
    expect(message('{"action": 5, "reply_to": "r"}')).toBe('The request has an "action" that is not a string (5); name the action to run.');
    expect(message('{"action": ["a"], "reply_to": "r"}')).toMatch(/that is not a string \(\["a"\]\);/);
    expect(message('{"action": "a", "request_id": true}')).toBe('The request\'s "request_id" must be a string (got true).');
    expect(message('{"action": "a", "request_id": NaN}')).toBe('The request\'s "request_id" must be a string (got NaN).');
  });

  it('refuses a request whose bytes were not UTF-8 with BAD_REQUEST, sent where its text says to reply', () => {
    const text = '{"action": "echo", "payload": {"s": "caf\uFFFD"}, "reply_to": "rep_1", "request_id": "9"}';
    expect(decodeRequest(text, 1 << 20, false)).toMatchObject({ ok: true });
    const decoded = decodeRequest(text, 1 << 20, true);
    expect(decoded).toMatchObject({ ok: false, replyTo: 'rep_1', requestId: '9', action: 'echo' });
    expect(!decoded.ok && decoded.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('not valid UTF-8') });
    // not JSON either: the reply address is still peeked at
    expect(decodeRequest('{"reply_to": "rep_2", "request_id": "10", \uFFFD', 1 << 20, true)).toMatchObject({
      ok: false,
      replyTo: 'rep_2',
      requestId: '10',
    });
  });
});

describe('decodeResponse', () => {
  it("reads a reply without a status as a success, as Python's caller does (it was dropped: the caller timed out)", () => {
    expect(decodeResponse('{"payload": {"x": 1}, "request_id": "a"}')).toEqual({
      error: false,
      payload: { x: 1 },
      requestId: 'a',
      final: true,
    });
    expect(decodeResponse('{"status": "error", "payload": {"error": "no"}, "request_id": "b"}')).toMatchObject({ error: true });
    expect(decodeResponse('{"status": "success", "payload": {}}')).toBeUndefined();
  });

  it("reads Python's NaN and Infinity in a reply", () => {
    expect(decodeResponse('{"status": "success", "payload": {"value": NaN, "t": "NaN"}, "request_id": "a", "final": true}')).toEqual({
      error: false,
      payload: { value: NaN, t: 'NaN' },
      requestId: 'a',
      final: true,
    });
  });

  it('marks a reply that cannot be read under its own request id, not one in its payload', () => {
    // Python's key order: payload first; before, the payload's id was taken and another request failed
    const text = '{"status": "success", "payload": {"request_id": "other", "x": oops}, "request_id": "mine"}';
    expect(decodeResponse(text)).toMatchObject({ requestId: 'mine', unreadable: expect.stringContaining('is not JSON') });
  });

  it('marks a reply that names a request but cannot be read (not JSON, not UTF-8), saying why', () => {
    expect(decodeResponse('{"status": "success", "payload": {oops}, "request_id": "a", "final": true}')).toMatchObject({
      requestId: 'a',
      unreadable: expect.stringContaining('is not JSON'),
    });
    expect(decodeResponse('{"status": "success", "payload": {"s": "\uFFFD"}, "request_id": "b"}', true)).toMatchObject({
      requestId: 'b',
      unreadable: 'is not valid UTF-8',
    });
    // naming no request: nothing to fail
    expect(decodeResponse('{oops}')).toBeUndefined();
  });
});

describe('ReplyTable', () => {
  it('fails the request a reply that cannot be read names with BAD_RESPONSE at once, not at its timeout', async () => {
    const table = new ReplyTable('svc');
    const id = '0e1f2a3b-4c5d-4e6f-8a9b-000000000001';
    const reply = table.wait(id, 'read', undefined, 60_000, true);
    table.receive(`{"status": "success", "payload": {"v": nan}, "request_id": "${id}", "final": true}`);
    await expect(reply).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      message: expect.stringMatching(/"svc" answered "read".*is not JSON/),
    });

    const id2 = '0e1f2a3b-4c5d-4e6f-8a9b-000000000002';
    const second = table.wait(id2, 'read', undefined, 60_000, true);
    table.receive(`{"status": "success", "payload": {}, "request_id": "${id2}"}`, 'caller:x', true);
    await expect(second).rejects.toMatchObject({ code: 'BAD_RESPONSE', message: expect.stringContaining('not valid UTF-8') });
  });
});

describe('broadcast payloads', () => {
  it('messageJson takes a JSON object, and refuses anything else with INVALID_ARGUMENT saying to wrap it', () => {
    expect(messageJson('broadcast on "c"', { a: 1 })).toBe('{"a":1}');
    for (const payload of [[1, 2], 'text', 7, null, undefined, true, new Date(0), { toJSON: () => [1] }]) {
      let thrown: unknown;
      try {
        messageJson('broadcast on "c"', payload);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(DaebusError);
      expect(thrown).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('must be a JSON object') });
      expect((thrown as Error).message).toContain('wrap the value');
    }
  });

  it("a thread's broadcast of a non-object is refused before anything crosses to the main side", async () => {
    const sent: CoreToMain[] = [];
    const link = new MainLink({ postMessage: (m) => sent.push(m) });
    await expect(link.broadcast('c', [1, 2])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('wrap') });
    await expect(link.broadcast('c', 'text')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(sent).toEqual([]);
  });
});

describe('toPlainError of a thrown value that is not an error', () => {
  it('is the JSON text of a plain object or an array (Python sends str(dict)), not "[object Object]"', () => {
    expect(toPlainError({ error: 'quota exceeded', limit: 10 }).message).toBe('{"error":"quota exceeded","limit":10}');
    expect(toPlainError([1, 'two']).message).toBe('[1,"two"]');
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(toPlainError(bare).message).toBe('{"a":1}');
    // its code stays a code (before: lost, only in the text)
    expect(toPlainError({ code: 'OUT_OF_STOCK', sku: 'a1' })).toEqual({
      name: 'Error',
      message: '{"code":"OUT_OF_STOCK","sku":"a1"}',
      code: 'OUT_OF_STOCK',
    });
  });

  it('is Node’s printing of what JSON refuses, and keeps what errors, strings and own toString() say', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(toPlainError(cycle).message).toBe('<ref *1> { a: 1, self: [Circular *1] }');
    expect(toPlainError({ n: 10n }).message).toBe('{ n: 10n }');
    expect(toPlainError([{ n: 10n }]).message).toBe('[ { n: 10n } ]');
    expect(toPlainError(new Error('boom')).message).toBe('boom');
    expect(toPlainError({ message: 'duck', code: 'X' })).toMatchObject({ message: 'duck', code: 'X' });
    expect(toPlainError('plain').message).toBe('plain');
    expect(toPlainError(42).message).toBe('42');
    expect(toPlainError(null).message).toBe('null');
    expect(toPlainError({ toString: () => 'own text' }).message).toBe('own text');
  });
});
