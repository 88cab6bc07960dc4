// What other Daebus peers put on Redis that a naive reader gets wrong, over a real server: bytes
// that are not UTF-8 (Latin-1 text from a client that is not Python), Python's NaN and Infinity
// (json.dumps writes them), replies that cannot be read, broadcasts that are not objects (Python's
// listeners drop them), and errors that are plain objects (Python sends str(dict)).
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller, RedisTransport, broadcast, response } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

const apps: Daebus[] = [];
const callers: DaebusCaller[] = [];
const clients: { disconnect(): void }[] = [];
const transports: RedisTransport[] = [];

const unique = (prefix: string): string => `${prefix}_${randomUUID()}`;

function makeApp(): { app: Daebus; records: ReturnType<typeof captureLogger>['records'] } {
  const { logger, records } = captureLogger();
  const app = new Daebus('wire-test', { logger });
  apps.push(app);
  return { app, records };
}

function makeCaller(service: string, timeoutMs = 10_000): DaebusCaller {
  const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs });
  callers.push(caller);
  return caller;
}

function rawClient(): Redis {
  const client = new Redis(TEST_REDIS_URL);
  clients.push(client);
  return client;
}

/** A raw subscriber on `channel`, keeping each message's text as it arrives. */
async function rawSubscriber(channel: string): Promise<string[]> {
  const seen: string[] = [];
  const sub = rawClient();
  sub.on('message', (_channel: string, message: string) => seen.push(message));
  await sub.subscribe(channel);
  return seen;
}

/** A stand-in service on `service`: answers each request with the bytes `reply(requestId)` gives. */
async function fakeService(service: string, reply: (requestId: string) => (string | Buffer)[]): Promise<void> {
  const sub = rawClient();
  const pub = rawClient();
  sub.on('message', (_channel: string, text: string) => {
    const req = JSON.parse(text) as { reply_to: string; request_id: string };
    void (async () => {
      for (const message of reply(req.request_id)) await pub.publish(req.reply_to, message);
    })();
  });
  await sub.subscribe(service);
}

afterEach(async () => {
  await Promise.all(callers.splice(0).map((c) => c.close()));
  await Promise.all(apps.splice(0).map((a) => a.stop()));
  await Promise.all(transports.splice(0).map((t) => t.close()));
  for (const client of clients.splice(0)) client.disconnect();
});

describe('bytes that are not valid UTF-8', () => {
  it('a request is answered with BAD_REQUEST and never runs on text with U+FFFD in it', async () => {
    const service = unique('utf8_svc');
    const { app } = makeApp();
    const ran: unknown[] = [];
    app.action('echo', (payload) => {
      ran.push(payload);
      return payload;
    });
    await app.start({ service, redis: TEST_REDIS_URL });
    const replyTo = unique('utf8_reply');
    const replies = await rawSubscriber(replyTo);

    // "café" in Latin-1: the é is the single byte 0xE9
    const latin1 = Buffer.from(`{"action": "echo", "payload": {"s": "caf\u00e9"}, "reply_to": "${replyTo}", "request_id": "r1"}`, 'latin1');
    await rawClient().publish(service, latin1);
    await rawClient().publish(service, `{"action": "echo", "payload": {"s": "caf\u00e9"}, "reply_to": "${replyTo}", "request_id": "r2"}`);
    await waitFor(() => replies.length === 2, 'both replies');

    const [first, second] = replies.map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(first).toMatchObject({
      status: 'error',
      request_id: 'r1',
      payload: { code: 'BAD_REQUEST', error: expect.stringContaining('not valid UTF-8') },
    });
    expect(second).toMatchObject({ status: 'success', request_id: 'r2', payload: { s: 'caf\u00e9' } });
    expect(ran).toEqual([{ s: 'caf\u00e9' }]);
  });

  it('a request to a replicated service is answered with BAD_REQUEST too, never added to its request stream', async () => {
    const service = unique('utf8_replicas');
    const { app } = makeApp();
    const ran: unknown[] = [];
    app.action('echo', (payload) => {
      ran.push(payload);
      return payload;
    });
    await app.start({ service, redis: TEST_REDIS_URL, replicas: { heartbeatMs: 100 } });
    const replyTo = unique('utf8_reply');
    const replies = await rawSubscriber(replyTo);
    const request = (id: string): string =>
      `{"action": "echo", "payload": {"s": "caf\u00e9"}, "reply_to": "${replyTo}", "request_id": "${id}"}`;
    // the replica takes the channel once it holds the intake's lease
    await waitFor(async () => {
      await rawClient().publish(service, request('warm'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      return replies.length > 0;
    }, 'the replica taking pub/sub requests');
    await waitFor(() => ran.length === replies.length, 'every warm-up request answered');
    const before = replies.length;
    await rawClient().publish(service, Buffer.from(request('r1'), 'latin1'));
    await rawClient().publish(service, request('r2'));
    await waitFor(() => replies.length === before + 2, 'both replies');

    const answers = replies.slice(before).map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(answers).toContainEqual(
      expect.objectContaining({ status: 'error', request_id: 'r1', payload: expect.objectContaining({ code: 'BAD_REQUEST' }) }),
    );
    expect(answers).toContainEqual(expect.objectContaining({ status: 'success', request_id: 'r2' }));
    expect(ran.every((p) => (p as { s: string }).s === 'caf\u00e9')).toBe(true);
  });

  it('a reply fails its request at once with BAD_RESPONSE, instead of a timeout', async () => {
    const service = unique('utf8_fake');
    await fakeService(service, (id) => [
      Buffer.from(`{"status": "success", "payload": {"s": "caf\u00e9"}, "request_id": "${id}", "final": true}`, 'latin1'),
    ]);
    const caller = makeCaller(service);

    await expect(caller.sendRequest('anything', {})).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      message: expect.stringContaining('not valid UTF-8'),
    });
  });

  it('a broadcast is dropped by a listener with a warning that says so', async () => {
    const { app, records } = makeApp();
    const channel = unique('utf8_events');
    const heard: unknown[] = [];
    app.listen(channel, (payload) => void heard.push(payload));
    await app.start({ service: unique('utf8_listener'), redis: TEST_REDIS_URL });

    await rawClient().publish(channel, Buffer.from('{"s": "caf\u00e9"}', 'latin1'));
    await rawClient().publish(channel, '{"s": "after"}');
    await waitFor(() => heard.length === 1, 'the valid broadcast');

    expect(heard).toEqual([{ s: 'after' }]);
    expect(records.some((r) => r.level === 'warn' && String(r.message).includes('not valid UTF-8'))).toBe(true);
  });

  it('a transport subscriber is told, and gets each valid message (multi-byte text included) decoded as sent', async () => {
    const transport = new RedisTransport(TEST_REDIS_URL);
    transports.push(transport);
    await transport.connect();
    const channel = unique('utf8_raw');
    const seen: [string, boolean | undefined][] = [];
    await transport.subscribe(channel, (message: string, _channel: string, notUtf8?: boolean) => void seen.push([message, notUtf8]));

    await rawClient().publish(channel, Buffer.from([0x61, 0xff, 0x62]));
    await rawClient().publish(channel, 'naïve ✓ 😀');
    await rawClient().publish(channel, '');
    await waitFor(() => seen.length === 3, 'three messages');

    expect(seen).toEqual([
      ['a\uFFFDb', true],
      ['naïve ✓ 😀', false],
      ['', false],
    ]);
  });
});

describe("Python's NaN, Infinity and -Infinity", () => {
  it('in a reply and a progress update are read, not left to time out', async () => {
    const service = unique('nan_fake');
    await fakeService(service, (id) => [
      `{"status": "success", "payload": {"p": Infinity}, "request_id": "${id}", "final": false}`,
      `{"status": "success", "payload": {"value": NaN, "low": -Infinity, "text": "say \\"NaN\\""}, "request_id": "${id}", "final": true}`,
    ]);
    const caller = makeCaller(service);
    const progress: unknown[] = [];

    await expect(caller.sendRequest('reading', {}, { onProgress: (p) => progress.push(p) })).resolves.toEqual({
      value: NaN,
      low: -Infinity,
      text: 'say "NaN"',
    });
    expect(progress).toEqual([{ p: Infinity }]);
  });

  it('in a request run the action (a Python caller sends them), and in a broadcast reach the listener', async () => {
    const service = unique('nan_svc');
    const channel = unique('nan_events');
    const { app } = makeApp();
    const seen: unknown[] = [];
    app.action('put', (payload) => {
      seen.push(payload);
      return { ok: true };
    });
    app.listen(channel, (payload) => void seen.push(payload));
    await app.start({ service, redis: TEST_REDIS_URL });
    const replyTo = unique('nan_reply');
    const replies = await rawSubscriber(replyTo);

    await rawClient().publish(service, `{"action": "put", "payload": {"v": NaN}, "reply_to": "${replyTo}", "request_id": "n1"}`);
    await waitFor(() => replies.length === 1, 'the reply');
    await rawClient().publish(channel, '{"temp": Infinity}');
    await waitFor(() => seen.length === 2, 'the broadcast');

    expect(JSON.parse(replies[0] as string)).toMatchObject({ status: 'success', request_id: 'n1' });
    expect(seen).toEqual([{ v: NaN }, { temp: Infinity }]);
  });

  it('a reply that is not JSON even so fails its request at once with BAD_RESPONSE', async () => {
    const service = unique('broken_fake');
    await fakeService(service, (id) => [`{"status": "success", "payload": {oops}, "request_id": "${id}", "final": true}`]);
    const caller = makeCaller(service);

    await expect(caller.sendRequest('anything', {})).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      message: expect.stringContaining('is not JSON'),
    });
  });
});

describe('broadcasts are JSON objects', () => {
  it('app.broadcast, broadcast.send and caller.sendMessage refuse anything else with INVALID_ARGUMENT, and send nothing', async () => {
    const channel = unique('bcast');
    const { app } = makeApp();
    await app.start({ service: unique('bcast_svc'), redis: TEST_REDIS_URL });
    const caller = makeCaller(unique('bcast_peer'));
    const seen = await rawSubscriber(channel);

    for (const payload of [[1, 2], 'text', 7, null, new Date(0)]) {
      const refused = { code: 'INVALID_ARGUMENT', message: expect.stringContaining('wrap the value') };
      await expect(app.broadcast(channel, payload as object)).rejects.toMatchObject(refused);
      await expect(broadcast.send(channel, payload as object)).rejects.toMatchObject(refused);
      await expect(caller.sendMessage(channel, payload as object)).rejects.toMatchObject(refused);
    }
    await expect(app.broadcast(channel, { value: [1, 2] })).resolves.toBe(1);
    await waitFor(() => seen.length === 1, 'the object broadcast');
    expect(seen).toEqual(['{"value":[1,2]}']);
  });
});

describe('errors that are plain objects', () => {
  it('reach the caller as their JSON text, as Python sends str(dict), not "[object Object]"', async () => {
    const service = unique('errobj_svc');
    const { app } = makeApp();
    app.action('e_obj', () => response.error({ error: 'quota exceeded', limit: 10 }));
    app.action('t_obj', () => {
      throw { error: 'quota exceeded', limit: 10 };
    });
    app.action('t_arr', () => {
      throw ['a', 1];
    });
    app.action('t_err', () => {
      throw new Error('plain error');
    });
    await app.start({ service, redis: TEST_REDIS_URL });
    const caller = makeCaller(service);

    const text = '{"error":"quota exceeded","limit":10}';
    await expect(caller.sendRequest('e_obj', {})).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: text });
    await expect(caller.sendRequest('t_obj', {})).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: text });
    await expect(caller.sendRequest('t_arr', {})).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: '["a",1]' });
    await expect(caller.sendRequest('t_err', {})).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: 'plain error' });
  });
});

// What arrives over Redis besides requests is refused as a request's payload is when it holds a
// key that could change a prototype: before, a listener got it, and Object.assign({}, payload)
// set the new object's prototype; a caller's reply came back with it as an own key.
describe('a "__proto__" key in a reply or a broadcast', () => {
  it('fails the request with BAD_RESPONSE that says why', async () => {
    const service = unique('proto_fake');
    await fakeService(service, (id) => [
      `{"status": "success", "payload": {"__proto__": {"polluted": 1}, "ok": 1}, "request_id": "${id}"}`,
    ]);
    const caller = makeCaller(service);

    await expect(caller.sendRequest('anything', {})).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      message: expect.stringContaining('holds a "__proto__" key'),
    });
  });

  it('is dropped by a listener with a warning; the next broadcast is heard', async () => {
    const { app, records } = makeApp();
    const channel = unique('proto_events');
    const heard: unknown[] = [];
    app.listen(channel, (payload) => void heard.push(payload));
    await app.start({ service: unique('proto_listener'), redis: TEST_REDIS_URL });

    await rawClient().publish(channel, '{"__proto__": {"isAdmin": true}, "user": "x"}');
    await rawClient().publish(channel, '{"user": {"constructor": {"prototype": {"isAdmin": true}}}}');
    await rawClient().publish(channel, '{"user": "after"}');
    await waitFor(() => heard.length === 1, 'the harmless broadcast');

    expect(heard).toEqual([{ user: 'after' }]);
    expect(records.filter((r) => r.level === 'warn' && String(r.message).includes('holds a "__proto__" key'))).toHaveLength(2);
  });
});
