// Actions over the memory transport, driven through DaebusCaller as a client would.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { DaebusCaller, MemoryTransport, type DaebusError, broadcast, logger, request, response } from 'daebus';
import { fixture, waitFor } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';

const t = appPerTest('actions', { drainTimeoutMs: 1_000 });
let caller: DaebusCaller;
beforeEach(() => {
  caller = t.caller({ timeoutMs: 2_000 });
});

const start = () => t.start();

/** Publish a raw text message on the service channel and collect the replies on a fresh channel. */
async function raw(text: (replyTo: string) => string): Promise<Record<string, unknown>[]> {
  const client = new MemoryTransport(t.broker);
  const replyTo = `caller:${randomUUID()}`;
  const replies: Record<string, unknown>[] = [];
  await client.subscribe(replyTo, (message) => replies.push(JSON.parse(message) as Record<string, unknown>));
  await client.publish(t.service, text(replyTo));
  await waitFor(() => replies.length > 0, 'a reply');
  await client.close();
  return replies;
}

describe('actions', () => {
  it('serves an action registered while the service runs, from its registration', async () => {
    await start();
    await expect(caller.sendRequest('late')).rejects.toMatchObject({ details: { remoteCode: 'UNKNOWN_ACTION' } });
    t.app.action('late', () => ({ late: true }));
    await expect(caller.sendRequest('late')).resolves.toEqual({ late: true });
  });

  it('answers through response.send, a returned value, or response.success', async () => {
    t.app.action('send', () => response.send({ via: 'send', got: request.payload }));
    t.app.action('returns', (payload) => ({ via: 'return', n: payload.n }));
    t.app.action('success', async (_payload, ctx) => ctx.response.success({ via: 'context' }));
    t.app.action('nothing', () => undefined);
    t.app.action('none', () => null);
    t.app.action('sendsNull', () => response.send(null));
    t.app.action('pooledNull', { module: fixture('pooled.mjs'), export: 'none' });
    await start();
    await expect(caller.sendRequest('send', { a: 1 })).resolves.toEqual({ via: 'send', got: { a: 1 } });
    await expect(caller.sendRequest('returns', { n: 2 })).resolves.toEqual({ via: 'return', n: 2 });
    await expect(caller.sendRequest('success')).resolves.toEqual({ via: 'context' });
    await expect(caller.sendRequest('nothing')).resolves.toEqual({});
    // null stays null, as Python Daebus sends response.send(None)
    await expect(caller.sendRequest('none')).resolves.toBeNull();
    await expect(caller.sendRequest('sendsNull')).resolves.toBeNull();
    await expect(caller.sendRequest('pooledNull')).resolves.toBeNull();
  });

  it('answers BAD_RESPONSE for a value that is no JSON data (a symbol, a function, a BigInt), returned or sent as an update', async () => {
    t.app.action('symbol', () => Symbol('s'));
    t.app.action('function', () => () => 1);
    t.app.action('bigint', () => 10n);
    t.app.action('update', () => {
      void response.send(Symbol('s'), false);
      return { done: true };
    });
    await start();
    // before, a symbol or a function went out as a reply with no payload, which callers read as {}
    for (const [action, what] of [
      ['symbol', 'a symbol is not JSON data'],
      ['function', 'a function is not JSON data'],
      ['bigint', 'BigInt'],
    ]) {
      await expect(caller.sendRequest(action as string)).rejects.toMatchObject({
        details: { remoteCode: 'BAD_RESPONSE' },
        message: expect.stringContaining(what as string),
      });
    }
    const updates: unknown[] = [];
    await expect(caller.sendRequest('update', {}, { onProgress: (p) => updates.push(p) })).resolves.toEqual({ done: true });
    expect(updates).toEqual([expect.objectContaining({ code: 'BAD_RESPONSE' })]);
  });

  it('logs each of a few distinct failures in a second whole, with its stack and request id', async () => {
    t.app.action('fails', (payload) => {
      throw payload.n === 3 ? new TypeError("Cannot read properties of null (reading 'id')") : new Error(`db down ${String(payload.n)}`);
    });
    await start();
    for (let n = 0; n < 6; n++) await expect(caller.sendRequest('fails', { n })).rejects.toMatchObject({ code: 'REMOTE_ERROR' });
    await t.app.stop();
    const failed = t.records.filter((r) => r.message.startsWith('Action "fails" failed'));
    // before (one line a second in full), the second to the sixth were only counted: the TypeError showed nowhere
    expect(failed.map((r) => [r.message, r.request_id !== undefined, String((r.error as { stack?: string }).stack).length > 0])).toEqual([
      ['Action "fails" failed: db down 0', true, true],
      ['Action "fails" failed: db down 1', true, true],
      ['Action "fails" failed: db down 2', true, true],
      ['Action "fails" failed: Cannot read properties of null (reading \'id\')', true, true],
      ['Action "fails" failed: db down 4', true, true],
      ['Action "fails" failed: db down 5', true, true],
    ]);
  });

  it('logs an action failing on every request as ten lines with their stack a second, and counts the rest', async () => {
    t.app.action('throws', () => {
      throw new Error('db down');
    });
    await start();
    const calls = await Promise.allSettled(Array.from({ length: 60 }, () => caller.sendRequest('throws')));
    expect(calls.every((c) => c.status === 'rejected')).toBe(true);
    await t.app.stop(); // says what it counted
    const full = t.records.filter((r) => r.message === 'Action "throws" failed: db down');
    expect(full.length).toBeGreaterThanOrEqual(10);
    expect(full[0]).toMatchObject({ level: 'warn', request_id: expect.anything(), error: { stack: expect.stringContaining('db down') } });
    const counted = t.records.filter((r) => r.message.startsWith('Action "throws" failed ') && r.message.includes('more time(s)'));
    expect(counted.at(-1)).toMatchObject({
      level: 'warn',
      action: 'throws',
      message: expect.stringMatching(/each answered with an error\); the last: db down$/),
    });
    expect(full.length + counted.reduce((sum, r) => sum + Number(r.count), 0)).toBe(60);
  });

  it('sends errors: response.error, a thrown error; the service goes on', async () => {
    t.app.action('refuses', () => response.error(Object.assign(new Error('taken'), { code: 'NAME_TAKEN' })));
    t.app.action('check_job', () => (request.payload.job_id ? response.send({ ok: true }) : response.error('Missing job_id parameter')));
    t.app.action('throws', () => {
      throw new Error('handler bug');
    });
    await start();
    // a response.error() without a code carries HANDLER_ERROR, as a thrown error does (it carried none)
    await expect(caller.sendRequest('check_job', {})).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      message: 'Missing job_id parameter',
      details: { remoteCode: 'HANDLER_ERROR' },
    });
    await expect(caller.sendRequest('throws')).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      message: 'handler bug',
      details: { remoteCode: 'HANDLER_ERROR' },
    });
    await expect(caller.sendRequest('refuses')).rejects.toMatchObject({ message: 'taken', details: { remoteCode: 'NAME_TAKEN' } });
    expect(t.records.some((r) => r.level === 'warn' && r.message.includes('Action "throws" failed: handler bug'))).toBe(true);
    await expect(caller.sendRequest('check_job', { job_id: 'x' })).resolves.toEqual({ ok: true });
  });

  it('follows what a handler returns: a promise, a rejection, a foreign thenable, even one whose then() throws', async () => {
    t.app.action('resolves', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { via: 'promise', action: request.action };
    });
    t.app.action('rejects', async () => {
      await null;
      throw new Error('later bug');
    });
    t.app.action('thenable', () => ({ then: (resolve: (value: unknown) => void) => resolve({ via: 'thenable' }) }));
    t.app.action('bad-thenable', () => ({
      then: () => {
        throw new Error('then() threw');
      },
    }));
    await start();
    await expect(caller.sendRequest('resolves')).resolves.toEqual({ via: 'promise', action: 'resolves' });
    await expect(caller.sendRequest('rejects')).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: 'later bug' });
    await expect(caller.sendRequest('thenable')).resolves.toEqual({ via: 'thenable' });
    await expect(caller.sendRequest('bad-thenable')).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: 'then() threw' });
    // every slot was given back: the same actions still answer
    await expect(caller.sendRequest('thenable')).resolves.toEqual({ via: 'thenable' });
  });

  it('streams: non-final messages reach onProgress before the final reply', async () => {
    t.app.action('stream', async () => {
      for (let i = 1; i <= 3; i++) await response.send({ step: i }, { final: false });
      await response.progress(100, { stage: 'done' });
      return { finished: true };
    });
    await start();
    const updates: unknown[] = [];
    await expect(caller.sendRequest('stream', {}, { onProgress: (p) => updates.push(p) })).resolves.toEqual({ finished: true });
    expect(updates).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }, { stage: 'done', progress_percentage: 100 }]);
  });

  it("takes Python's positional final (send(data, false)) and sends an error as an update with { final: false }", async () => {
    t.app.action('ported', async () => {
      await response.send({ step: 1 }, false); // Python: response.send(payload, False)
      await response.error('row 2 skipped', { final: false }); // Python: response.error(err, final=False)
      await response.error('row 3 skipped', false);
      await response.send({ imported: 1 }, true);
    });
    await start();
    const updates: unknown[] = [];
    await expect(caller.sendRequest('ported', {}, { onProgress: (p) => updates.push(p) })).resolves.toEqual({ imported: 1 });
    expect(updates).toEqual([
      { step: 1 },
      { error: 'row 2 skipped', code: 'HANDLER_ERROR' },
      { error: 'row 3 skipped', code: 'HANDLER_ERROR' },
    ]);
  });

  it('refuses a second argument of send or error that is no { final } (an HTTP status, a misspelt option), sending nothing for it', async () => {
    const attempts: Record<string, () => Promise<void>> = {
      status: () => response.send({ a: 1 }, 201),
      'final as text': () => response.send({ a: 1 }, { final: 'no' } as never),
      misspelt: () => response.send({ a: 1 }, { finale: false } as never),
      'error status': () => response.error('x', 503),
      'error keyword': () => response.error('x', { status_code: 503 } as never),
    };
    t.app.action('tries', (payload) => {
      try {
        void attempts[payload.attempt as string]?.();
      } catch (err) {
        return { refused: (err as DaebusError).message };
      }
      return { refused: false };
    });
    await start();
    const refusals = new Map<string, unknown>();
    for (const attempt of Object.keys(attempts))
      refusals.set(attempt, ((await caller.sendRequest('tries', { attempt })) as { refused: unknown }).refused);
    expect(refusals.get('status')).toBe(
      "response.send(data, options): options must be { final: boolean } or a boolean (Python's final), got 201. A status is for HTTP routes; an action has none.",
    );
    expect(refusals.get('final as text')).toBe(
      'response.send(data, options): options must be { final: boolean } or a boolean (Python\'s final), got {"final":"no"}.',
    );
    expect(refusals.get('misspelt')).toContain('got {"finale":false}');
    expect(refusals.get('error status')).toContain('response.error(err, options): options must be');
    expect(refusals.get('error keyword')).toContain('got {"status_code":503}');
  });

  it('drops a value returned after the handler sent its final reply, with a warning; returning nothing after it is quiet', async () => {
    t.app.action('errs_then_returns', async () => {
      await response.error('row 2 skipped');
      return { imported: 2 };
    });
    t.app.action('sends_then_returns_nothing', async () => {
      await response.send({ sent: true });
    });
    // Python's `return None` after response.send(...), ported
    t.app.action('sends_then_returns_null', async () => {
      await response.send({ sent: 'too' });
      return null;
    });
    await start();
    await expect(caller.sendRequest('errs_then_returns')).rejects.toMatchObject({ message: 'row 2 skipped' });
    await expect(caller.sendRequest('sends_then_returns_nothing')).resolves.toEqual({ sent: true });
    await expect(caller.sendRequest('sends_then_returns_null')).resolves.toEqual({ sent: 'too' });
    // before: the returned { imported: 2 } was dropped without a word, though a reply after the final one is warned of
    const warnings = t.records.filter((r) => r.level === 'warn' && /after the final one/.test(r.message));
    expect(warnings.map((r) => r.action)).toEqual(['errs_then_returns']);
    expect(warnings[0]?.message).toContain('A reply was sent (or a value returned) after the final one');
  });

  it('keeps concurrent requests apart: each handler sees its own request after awaiting', async () => {
    t.app.action('echo_later', async () => {
      const before = request.payload.id;
      await new Promise((r) => setTimeout(r, Number(request.payload.delay)));
      logger.info('echoing', { id: request.payload.id });
      return { before, after: request.payload.id, requestId: request.requestId !== undefined };
    });
    await start();
    const slow = caller.sendRequest('echo_later', { id: 'slow', delay: 100 });
    const fast = caller.sendRequest('echo_later', { id: 'fast', delay: 1 });
    await expect(fast).resolves.toEqual({ before: 'fast', after: 'fast', requestId: true });
    await expect(slow).resolves.toEqual({ before: 'slow', after: 'slow', requestId: true });
    // logger inside a handler carries the request id and the action
    const lines = t.records.filter((r) => r.message === 'echoing');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatchObject({ action: 'echo_later', request_id: expect.any(String) });
  });

  it('request and response outside a handler throw an error that says where they work', () => {
    expect(() => request.payload).toThrow(/request\.payload is only available while an action or HTTP route handler runs/);
    expect(() => response.send({})).toThrow(expect.objectContaining({ code: 'NOT_IN_HANDLER' }));
  });

  it('replies with an error to an unknown action, and names the actions it has', async () => {
    t.app.action('known', () => ({}));
    await start();
    await expect(caller.sendRequest('unknown')).rejects.toMatchObject({
      message: 'Unknown action "unknown"; this service has: known.',
      details: { remoteCode: 'UNKNOWN_ACTION' },
    });
    // of many, fifty and a count (before: all, 69 KB of names to any unknown action of a service with 10 000)
    for (let i = 0; i < 120; i++) t.app.action(`a${String(i).padStart(3, '0')}`, () => ({}));
    const err = (await caller.sendRequest('unknown').catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/^Unknown action "unknown"; this service has: known, a000, a001, [^]*, a048, and 71 more\.$/);
  });

  it.each<[string, (replyTo: string) => string, string]>([
    ['not JSON', (r) => `{"action": "known", "reply_to": "${r}"`, 'BAD_REQUEST'],
    [
      'a payload that is not an object',
      (r) => JSON.stringify({ action: 'known', payload: [1, 2], reply_to: r, request_id: 'x' }),
      'BAD_REQUEST',
    ],
    [
      'a payload string that is not JSON',
      (r) => JSON.stringify({ action: 'known', payload: '{oops', reply_to: r, request_id: 'x' }),
      'BAD_REQUEST',
    ],
    ['no action', (r) => JSON.stringify({ payload: {}, reply_to: r, request_id: 'x' }), 'BAD_REQUEST'],
    ['an action that is not a string', (r) => JSON.stringify({ action: 5, payload: {}, reply_to: r, request_id: 'x' }), 'BAD_REQUEST'],
  ])('answers %s with an error reply, and goes on', async (_what, text, code) => {
    t.app.action('known', () => ({ fine: true }));
    await start();
    const [reply] = await raw(text);
    expect(reply).toMatchObject({ status: 'error', final: true, payload: { code } });
    expect(typeof (reply?.payload as { error: unknown }).error).toBe('string');
    await expect(caller.sendRequest('known')).resolves.toEqual({ fine: true });
  });

  it('speaks the wire format: request key order, response fields, payload given as a JSON string', async () => {
    t.app.action('wire', () => ({ got: request.payload }));
    await start();
    const seen: string[] = [];
    const spy = new MemoryTransport(t.broker);
    await spy.subscribe(t.service, (message) => seen.push(message));
    await caller.sendRequest('wire', { x: 1 });
    expect(Object.keys(JSON.parse(seen[0] as string) as object)).toEqual(['action', 'payload', 'reply_to', 'request_id', 'service']);
    const [reply] = await raw((r) =>
      JSON.stringify({ action: 'wire', payload: '{"y": 2}', reply_to: r, request_id: 'rid-1', service: t.service }),
    );
    expect(reply).toEqual({ status: 'success', payload: { got: { y: 2 } }, request_id: 'rid-1', final: true });
    await spy.close();
  });

  it('settles a request only with a reply carrying its whole id, not another id that ends the same', async () => {
    let release: () => void = () => undefined;
    t.app.action('held', () => new Promise((resolve) => (release = () => resolve({ real: true }))));
    await start();
    const seen: string[] = [];
    const spy = new MemoryTransport(t.broker);
    await spy.subscribe(t.service, (message) => seen.push(message));
    const pending = caller.sendRequest('held');
    await waitFor(() => seen.length > 0, 'the request');
    const id = (JSON.parse(seen[0] as string) as { request_id: string }).request_id;
    // the same counter under another prefix, the same id in upper case, a number: none is this request's
    const others: unknown[] = [`ffffffff-ffff-4fff-bfff-${id.slice(24)}`, id.toUpperCase(), Number.parseInt(id.slice(24), 16)];
    for (const other of others) {
      await spy.publish(
        caller.replyChannel,
        JSON.stringify({ status: 'success', payload: { forged: true }, request_id: other, final: true }),
      );
    }
    release();
    await expect(pending).resolves.toEqual({ real: true });
    await spy.close();
  });

  it('in-process, a request and its reply are copies as over the wire: taken when sent, JSON values only, size-checked', async () => {
    let seen: Record<string, unknown> | undefined;
    const kept = { list: [1] };
    t.app.action('copy', (payload) => {
      seen = payload;
      (payload.list as number[]).push(99); // the caller's object is not the handler's
      return kept;
    });
    await start();
    const payload: Record<string, unknown> = { list: [1, 2], when: new Date(0), gone: undefined };
    const pending = caller.sendRequest('copy', payload);
    (payload.list as number[]).push(3); // after sending: does not travel
    const reply = (await pending) as { list: number[] };
    expect(seen).toEqual({ list: [1, 2, 99], when: '1970-01-01T00:00:00.000Z' });
    expect(payload.list).toEqual([1, 2, 3]);
    reply.list.push(7); // the handler's object is not the caller's
    expect(kept.list).toEqual([1]);

    // a receiver that takes text sees the exact wire text of the reply
    const texts: string[] = [];
    const spy = new MemoryTransport(t.broker);
    await spy.subscribe(caller.replyChannel, (message) => texts.push(message));
    await caller.sendRequest('copy', { list: [] });
    expect(Object.keys(JSON.parse(texts[0] as string) as object)).toEqual(['status', 'payload', 'request_id', 'final']);
    expect(JSON.parse(texts[0] as string)).toMatchObject({ status: 'success', payload: { list: [1] }, final: true });
    await spy.close();

    // a payload that encodes to nothing is refused by the caller; the service goes on
    await expect(caller.sendRequest('copy', { toJSON: () => undefined })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // as is one JSON cannot encode (a BigInt, a cycle): the caller's mistake, not the transport's
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const payload of [{ big: 10n }, cycle]) {
      await expect(caller.sendRequest('copy', payload)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('The payload cannot be encoded as JSON'),
      });
    }
    await expect(caller.sendMessage('anywhere', { big: 10n })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // a payload whose toJSON() makes it an array or a string is refused by the caller, which sent
    // it before (the service refused it as its own fault, a Python one ran the handler with {}),
    // and by sendToService, which sent the fields of the object (none: the Date's value was lost)
    for (const payload of [{ toJSON: () => [1] }, new Date(0) as unknown as Record<string, unknown>]) {
      await expect(caller.sendRequest('copy', payload)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('The payload must encode to a JSON object'),
      });
      await expect(caller.sendToService(payload, 'copy')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    // a boxed String or Number with an action too (its spread sent its characters, or nothing)
    for (const boxed of [new String('ab'), new Number(5)]) {
      await expect(caller.sendToService(boxed as unknown as Record<string, unknown>, 'copy')).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    }
    // and a payload whose toJSON getter throws as it is read (the raw error escaped)
    const throwing = Object.defineProperty({}, 'toJSON', {
      get() {
        throw new Error('boom');
      },
    }) as Record<string, unknown>;
    await expect(caller.sendToService(throwing, 'copy')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // sendToService sends what the payload encodes to, with the action
    const service: string[] = [];
    const listener = new MemoryTransport(t.broker);
    await listener.subscribe(caller.service, (message) => service.push(message));
    await caller.sendToService({ toJSON: () => ({ sku: 'a1', action: 'mine' }) }, 'copy');
    await caller.sendToService({ sku: 'b2' });
    await listener.close();
    expect(service.map((text) => JSON.parse(text) as unknown)).toEqual([{ sku: 'a1', action: 'copy' }, { sku: 'b2' }]);
  });

  it('in-process, a request over maxPayloadBytes is refused as over the wire', async () => {
    t.remake({ maxPayloadBytes: 2_048 });
    t.app.action('echo', (payload) => payload);
    await start();
    await expect(caller.sendRequest('echo', { text: 'x'.repeat(400) })).resolves.toEqual({ text: 'x'.repeat(400) });
    await expect(caller.sendRequest('echo', { text: 'x'.repeat(3_000) })).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      details: { remoteCode: 'PAYLOAD_TOO_LARGE' },
    });
  });

  it('takes fire-and-forget messages: the top-level fields are the payload; no reply without reply_to or service', async () => {
    const got: unknown[] = [];
    t.app.action('log_info', (payload) => {
      got.push(payload);
    });
    await start();
    const spy = new MemoryTransport(t.broker);
    const responses: string[] = [];
    await spy.subscribe(`${t.service}.responses`, (m) => responses.push(m));
    await expect(caller.sendToService({ timestamp: 1625176230, info: 'hello' }, 'log_info')).resolves.toBe(1);
    await waitFor(() => got.length === 1, 'the handler');
    expect(got[0]).toEqual({ timestamp: 1625176230, info: 'hello' });
    // a later message that does ask for a reply: had the first one been answered, its reply came first
    await spy.publish(t.service, JSON.stringify({ action: 'log_info', payload: { second: true }, service: t.service }));
    await waitFor(() => responses.length > 0, 'the reply to the second message');
    expect(responses).toHaveLength(1);
    await spy.close();
  });

  it('replies on <service>.responses when a request names the service but has no reply_to', async () => {
    t.app.action('ping', () => ({ pong: true }));
    await start();
    const spy = new MemoryTransport(t.broker);
    const responses: string[] = [];
    await spy.subscribe(`${t.service}.responses`, (m) => responses.push(m));
    await spy.publish(t.service, JSON.stringify({ action: 'ping', payload: {}, request_id: 'r1', service: t.service }));
    await waitFor(() => responses.length === 1, 'a reply on the responses channel');
    expect(JSON.parse(responses[0] as string)).toEqual({ status: 'success', payload: { pong: true }, request_id: 'r1', final: true });
    await spy.close();
  });

  it('broadcasts to listeners; broadcast.send works inside handlers and counts receivers', async () => {
    const channel = `alerts_${randomUUID()}`;
    const heard: unknown[] = [];
    t.app.listen(channel, (payload) => {
      heard.push(payload);
    });
    t.app.action('alert', async () => ({ receivers: await broadcast.send(channel, { type: 'alert', message: request.payload.message }) }));
    await start();
    await expect(caller.sendRequest('alert', { message: 'disk full' })).resolves.toEqual({ receivers: 1 });
    await expect(caller.sendMessage(channel, { type: 'note' })).resolves.toBe(1);
    await waitFor(() => heard.length === 2, 'two broadcasts');
    expect(heard).toEqual([{ type: 'alert', message: 'disk full' }, { type: 'note' }]);
    await expect(t.app.broadcast(`nobody_${randomUUID()}`, {})).resolves.toBe(0);
  });

  it("says that a listener on the service's own channel is never called (before: accepted, and silently never called)", async () => {
    let heard = 0;
    t.app.listen(t.service, () => void (heard += 1));
    t.app.action('ping_me', () => 'pong');
    await start();
    await expect(caller.sendRequest('ping_me')).resolves.toBe('pong');
    expect(heard).toBe(0);
    expect(t.records.filter((r) => r.message.includes('is never called'))).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/^The listener on ".*" is never called: that is this service's own channel/),
      }),
    ]);
  });

  it('logs a listener failing on every broadcast as ten errors with their stack a second, and counts the rest', async () => {
    const channel = `alerts_${randomUUID()}`;
    let heard = 0;
    t.app.listen(channel, () => {
      heard += 1;
      throw new Error('no disk');
    });
    await start();
    for (let i = 0; i < 40; i++) await caller.sendMessage(channel, { i });
    await waitFor(() => heard === 40, 'forty broadcasts');
    await t.app.stop(); // says what it counted
    const full = t.records.filter((r) => r.message === `A listener on "${channel}" threw: no disk`);
    expect(full.length).toBeGreaterThanOrEqual(10);
    expect(full[0]).toMatchObject({ level: 'error', error: { stack: expect.stringContaining('no disk') } });
    const counted = t.records.filter(
      (r) => r.message.startsWith(`A listener on "${channel}" threw `) && r.message.includes('more time(s)'),
    );
    expect(counted.at(-1)).toMatchObject({ level: 'error', channel, message: expect.stringMatching(/in a second; the last: no disk$/) });
    expect(full.length + counted.reduce((sum, r) => sum + Number(r.count), 0)).toBe(40);
  });

  it('logs a flood of broadcasts that are not JSON as ten lines a second and a count a second per channel', async () => {
    const channel = `alerts_${randomUUID()}`;
    const heard: unknown[] = [];
    t.app.listen(channel, (payload) => void heard.push(payload));
    await start();
    const client = t.transport();
    for (let i = 0; i < 40; i++) await client.publish(channel, `not json ${i}`);
    await client.publish(channel, '{"after": true}');
    await waitFor(() => heard.length === 1, 'the valid broadcast');
    await t.app.stop(); // says what it counted
    const full = t.records.filter((r) => r.message === `Dropped a message on "${channel}" that is not JSON`);
    const counted = t.records.filter((r) => r.message.startsWith('Dropped ') && r.message.includes(' more message(s) on '));
    expect(full.length).toBeGreaterThan(0);
    expect(full.length).toBeLessThan(40);
    expect(counted.at(-1)).toMatchObject({
      level: 'warn',
      channel,
      message: expect.stringMatching(/not logged each; the last was not JSON$/),
    });
    expect(full.length + counted.reduce((sum, r) => sum + Number(r.count), 0)).toBe(40);
    expect(heard).toEqual([{ after: true }]);
  });

  it('refuses the request global in a listener, saying the message is its argument (Python: message.payload)', async () => {
    const channel = `readings_${randomUUID()}`;
    const errors: unknown[] = [];
    t.app.listen(channel, () => {
      try {
        void request.payload;
      } catch (err) {
        errors.push(err);
      }
    });
    await start();
    await caller.sendMessage(channel, { payload: { c: 20 } });
    await waitFor(() => errors.length === 1, 'the listener');
    expect(errors[0]).toMatchObject({
      code: 'NOT_IN_HANDLER',
      message: expect.stringContaining('A listener gets the message and its channel as its arguments, (message, channel)'),
    });
    expect((errors[0] as Error).message).toContain('read message.payload');
  });

  it('fails fast when no service listens, and times out when the handler never replies', async () => {
    await expect(caller.sendRequest('anything')).rejects.toMatchObject({
      code: 'NO_SUBSCRIBER',
      // a separate client script without REDIS_URL is on the in-memory transport: it is told so
      message: expect.stringContaining('This caller uses the in-memory transport'),
    });
    t.app.action('hangs', () => response.send({ partial: true }, { final: false }));
    t.app.action('never', () => new Promise(() => undefined));
    await start();
    await expect(caller.sendRequest('never', {}, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('on stop, takes no new requests and lets running handlers reply first', async () => {
    let release!: () => void;
    let started = false;
    const gate = new Promise<void>((r) => (release = r));
    t.app.action('slow', async () => {
      started = true;
      await gate;
      return { done: true };
    });
    await start();
    const pending = caller.sendRequest('slow');
    await waitFor(() => started, 'the handler to start');
    const stopping = t.app.stop();
    // the service says what it waits for once it has left its channel
    await waitFor(() => t.records.some((r) => r.message.startsWith('Waiting up to 1 s for 1 request')), 'the drain to begin');
    await expect(caller.sendRequest('slow', {}, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'NO_SUBSCRIBER' });
    release();
    await expect(pending).resolves.toEqual({ done: true });
    await stopping;
  });

  it('hands an error reply that arrives before publish() resolves to the caller, not to the process', async () => {
    // in a child process: jest's own handling of unhandled rejections would hide the failure
    const { stdout } = await promisify(execFile)(process.execPath, [fixture('early-reply.cjs')], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ outcome: 'boom' });
  });

  it('runs at most `concurrency` handlers of an action, queues `maxQueued` more, and answers the rest BUSY; other actions go on', async () => {
    const gates: (() => void)[] = [];
    let running = 0;
    let most = 0;
    t.app.action(
      'slow',
      async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((r) => gates.push(r));
        running -= 1;
        return {};
      },
      { concurrency: 2, maxQueued: 1 },
    );
    t.app.action('ping', () => ({ pong: true }));
    await start();
    const calls = Array.from({ length: 5 }, () =>
      caller.sendRequest('slow').then(
        () => 'ok',
        (e: { details?: { remoteCode?: string } }) => e.details?.remoteCode,
      ),
    );
    await waitFor(() => gates.length === 2, 'two handlers to run');
    await expect(caller.sendRequest('ping')).resolves.toEqual({ pong: true });
    while (gates.length > 0 || running > 0) {
      gates.splice(0).forEach((open) => open());
      await new Promise((r) => setImmediate(r));
    }
    expect((await Promise.all(calls)).sort()).toEqual(['BUSY', 'BUSY', 'ok', 'ok', 'ok']);
    expect(most).toBe(2);
    // one warning for the requests turned away, not one each
    await waitFor(() => t.records.some((r) => r.message.startsWith('Turned away 2 request(s) for "slow" with BUSY')), 'the warning');
  });

  it('refuses bad registrations', () => {
    t.app.action('a', () => ({}));
    expect(() => t.app.action('a', () => ({}))).toThrow(/An action named "a" is already registered/);
    expect(() => t.app.action('', () => ({}))).toThrow(/action\(name\): name must be a non-empty string/);
    expect(() => t.app.action('b', 'nope' as never)).toThrow(/handler must be a function/);
    expect(() => t.app.action('c', () => ({}), { concurrency: 0 })).toThrow(/options.concurrency must be a whole number >= 1/);
    expect(() => t.app.action('d', () => ({}), { queue: 3 } as never)).toThrow(/unknown option "queue"/);
  });
});

describe('a stop that gives up on a streaming handler', () => {
  it('answers its caller STOPPED and drops what the handler sends later without a warning of its own', async () => {
    t.remake({ drainTimeoutMs: 50 });
    let sent = 0;
    let ended = false;
    t.app.action('streams', async () => {
      for (let n = 0; n < 20; n++, sent++) {
        await response.send({ n }, { final: false });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      ended = true;
      return { done: true };
    });
    await start();
    const reply = t.caller({ timeoutMs: 5_000 }).sendRequest('streams');
    await waitFor(() => sent > 0, 'the first update');
    await t.app.stop();
    await expect(reply).rejects.toMatchObject({ details: { remoteCode: 'STOPPED' } });
    await waitFor(() => ended, 'the handler to end');
    // before: "A reply was sent after the final one, or after the service gave up on this handler ... Send
    // updates with { final: false }", blaming the handler, once per handler given up on (43 at one forced stop)
    expect(t.records.filter((r) => String(r.message).startsWith('A reply was'))).toEqual([]);
    expect(t.records.map((r) => String(r.message))).toContainEqual(expect.stringContaining('abandoned action(s): streams'));
  });
});

describe('a flood of refused requests', () => {
  it('answers each, logs the first ten of a second each and counts the rest into one warning a second', async () => {
    await start();
    const client = new MemoryTransport(t.broker);
    const replyTo = `caller:${randomUUID()}`;
    const replies: string[] = [];
    await client.subscribe(replyTo, (message) => void replies.push(message));
    // in one burst: spread over more than two of the log's one-second windows (a loaded machine), more than twenty are logged whole
    const texts = Array.from(
      { length: 50 },
      (_, i) => `{"action": "nobody", "payload": {}, "reply_to": "${replyTo}", "request_id": "u${i}"}`,
    );
    await Promise.all(texts.map((text) => client.publish(t.service, text)));
    await waitFor(() => replies.length === 50, 'an answer to each');
    const each = () => t.records.filter((r) => String(r.message).startsWith('Rejected a request'));
    const summaries = () =>
      t.records.filter((r) => String(r.message).startsWith('Rejected ') && !String(r.message).startsWith('Rejected a request'));
    // before: 50 warnings, one per request (100,000 bad requests wrote 20 MB of log)
    await waitFor(
      () =>
        each().length +
          summaries().reduce((n, r) => n + Number((r as { counts?: { UNKNOWN_ACTION?: number } }).counts?.UNKNOWN_ACTION ?? 0), 0) ===
        50,
      'all 50 counted',
      5_000,
    );
    expect(each().length).toBeLessThanOrEqual(20);
    expect(summaries()[0]?.message).toMatch(
      /^Rejected \d+ more request\(s\) in the last 1 s, each answered but not logged: UNKNOWN_ACTION x\d+$/,
    );
    await client.close();
  });

  it('says what it counted and had not said yet when the service stops', async () => {
    await start();
    const client = new MemoryTransport(t.broker);
    for (let i = 0; i < 30; i++) await client.publish(t.service, `{"action": "nobody", "payload": {}, "request_id": "s${i}"}`);
    await waitFor(() => t.records.filter((r) => String(r.message).startsWith('Rejected a request')).length === 10, 'the first ten');
    // before: the summary waited for its timer, and a process that ended with the stop never wrote it
    await t.app.stop();
    const each = t.records.filter((r) => String(r.message).startsWith('Rejected a request')).length;
    const summary = t.records.find((r) => /^Rejected \d+ more request/.test(String(r.message))) as { counts?: Record<string, number> };
    expect(summary).toBeDefined();
    expect(each + (summary.counts?.UNKNOWN_ACTION ?? 0)).toBe(30);
    await client.close();
  });
});
