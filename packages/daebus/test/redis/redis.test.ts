// The Redis transport against a real server: the wire, concurrency, bad input, faults.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Daebus, DaebusCaller, RedisTransport, cache, request, response } from 'daebus';
import { RequestStream } from '../../src/main/rpc/request-stream';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL, privateRedis } from '../support/redis-server';

const apps: Daebus[] = [];
const callers: DaebusCaller[] = [];
const clients: Redis[] = [];

type CountedSocket = { write: (...args: unknown[]) => boolean; writableCorked: number };

/** Counts the writes to the transport's command connection, corked (held for one write) or not. */
function countWrites(transport: RedisTransport): { corked: number; uncorked: number; socket: CountedSocket } {
  const socket = transport.cache().stream as unknown as CountedSocket;
  const counts = { corked: 0, uncorked: 0, socket };
  const write = socket.write.bind(socket);
  socket.write = (...args: unknown[]) => {
    if (socket.writableCorked > 0) counts.corked += 1;
    else counts.uncorked += 1;
    return write(...args);
  };
  return counts;
}

function makeApp(options: { drainTimeoutMs?: number; maxPayloadBytes?: number } = {}): {
  app: Daebus;
  records: ReturnType<typeof captureLogger>['records'];
} {
  const { logger, records } = captureLogger();
  const app = new Daebus('redis-test', { logger, ...options });
  apps.push(app);
  return { app, records };
}

function makeCaller(service: string, redis = TEST_REDIS_URL, timeoutMs = 5_000): DaebusCaller {
  const caller = new DaebusCaller(service, { redis, timeoutMs });
  callers.push(caller);
  return caller;
}

function rawClient(url = TEST_REDIS_URL): Redis {
  const client = new Redis(url);
  clients.push(client);
  return client;
}

const unique = (prefix: string): string => `${prefix}_${randomUUID()}`;

afterEach(async () => {
  await Promise.all(callers.splice(0).map((c) => c.close()));
  await Promise.all(apps.splice(0).map((a) => a.stop()));
  for (const client of clients.splice(0)) client.disconnect();
});

/** Publish raw text on a channel and collect what comes back on a reply channel. */
async function rawRequest(service: string, build: (replyTo: string) => string | Buffer, count = 1): Promise<Record<string, unknown>[]> {
  const sub = rawClient();
  const pub = rawClient();
  const replyTo = unique('caller');
  const replies: Record<string, unknown>[] = [];
  sub.on('message', (_channel, message: string) => replies.push(JSON.parse(message) as Record<string, unknown>));
  await sub.subscribe(replyTo);
  await pub.publish(service, build(replyTo));
  await waitFor(() => replies.length >= count, 'a reply');
  return replies;
}

describe('the Redis transport', () => {
  it('answers requests, streams, and errors over Redis, in the wire format', async () => {
    const service = unique('svc');
    const { app } = makeApp();
    app.action('get_status', () => response.send({ status: 'healthy', detail: request.payload.detail_level }));
    app.action('stream', async () => {
      await response.send({ step: 1 }, { final: false });
      return { done: true };
    });
    app.action('fails', () => response.error('Missing job_id parameter'));
    await app.start({ service, redis: TEST_REDIS_URL });
    const caller = makeCaller(service);
    await expect(caller.sendRequest('get_status', { detail_level: 'full' })).resolves.toEqual({ status: 'healthy', detail: 'full' });
    const progress: unknown[] = [];
    await expect(caller.sendRequest('stream', {}, { onProgress: (p) => progress.push(p) })).resolves.toEqual({ done: true });
    expect(progress).toEqual([{ step: 1 }]);
    await expect(caller.sendRequest('fails')).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: 'Missing job_id parameter' });
    // the raw response, as a Python caller reads it
    const [reply] = await rawRequest(service, (replyTo) =>
      JSON.stringify({ action: 'get_status', payload: { detail_level: 'x' }, reply_to: replyTo, request_id: 'rid', service }),
    );
    expect(reply).toEqual({ status: 'success', payload: { status: 'healthy', detail: 'x' }, request_id: 'rid', final: true });
  });

  it.each<[string, (replyTo: string, service: string) => string | Buffer, string]>([
    ['not JSON', (r) => `{"action": "echo", "payload": {"a": 1}, "reply_to": "${r}", "request_id": "1"`, 'BAD_REQUEST'],
    ['not JSON, with nowhere to reply', () => 'not json at all', ''],
    ['a JSON array', () => '[1,2,3]', ''],
    ['no action', (r) => JSON.stringify({ payload: {}, reply_to: r, request_id: '1' }), 'BAD_REQUEST'],
    ['an unknown action', (r) => JSON.stringify({ action: 'nope', payload: {}, reply_to: r, request_id: '1' }), 'UNKNOWN_ACTION'],
    [
      'a payload that is a broken JSON string',
      (r) => JSON.stringify({ action: 'echo', payload: '{"a":', reply_to: r, request_id: '1' }),
      'BAD_REQUEST',
    ],
    [
      'invalid UTF-8 (refused whole, never served with replacement characters)',
      (r) =>
        Buffer.concat([
          Buffer.from(`{"action": "echo", "reply_to": "${r}", "payload": {"x": "`),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('"}}'),
        ]),
      'BAD_REQUEST',
    ],
  ])('survives %s: an error reply when it can, a warning, and the service goes on', async (_what, build, code) => {
    const service = unique('svc');
    const { app, records } = makeApp();
    app.action('echo', (payload) => payload);
    await app.start({ service, redis: TEST_REDIS_URL });
    if (code) {
      const [reply] = await rawRequest(service, (r) => build(r, service));
      expect(reply).toMatchObject({ status: 'error', final: true, payload: { code } });
      expect(records.some((r) => r.level === 'warn' && r.message.startsWith('Rejected a request'))).toBe(true);
    } else {
      await rawClient().publish(service, build(unique('caller'), service));
      await waitFor(() => records.some((r) => r.level === 'warn' && r.message.startsWith('Rejected a request')), 'the warning');
    }
    await expect(makeCaller(service).sendRequest('echo', { still: 'alive' })).resolves.toEqual({ still: 'alive' });
  });

  it('writes the publishes of one turn to the socket together, in order, and each still resolves', async () => {
    const transport = new RedisTransport(TEST_REDIS_URL);
    await transport.connect();
    const channel = `coalesce-${randomUUID()}`;
    const sub = new Redis(TEST_REDIS_URL);
    clients.push(sub);
    const got: string[] = [];
    sub.on('message', (_c: string, m: string) => got.push(m));
    await sub.subscribe(channel);
    const writes = countWrites(transport);
    try {
      const sent = Array.from({ length: 100 }, (_, i) => transport.publish(channel, `m${i}`));
      await expect(Promise.all(sent)).resolves.toEqual(Array(100).fill(1));
      expect(writes).toMatchObject({ corked: 100, uncorked: 0 });
      await waitFor(() => got.length === 100, 'the messages');
      expect(got).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
      // the next turn's publish is corked again, and released again
      await expect(transport.publish(channel, 'later')).resolves.toBe(1);
      expect(writes.socket.writableCorked).toBe(0);
    } finally {
      await transport.close();
    }
  });

  it("writes a caller's stream adds of one turn together, in order, and each still resolves", async () => {
    const transport = new RedisTransport(TEST_REDIS_URL);
    await transport.connect();
    const service = `coalesce-${randomUUID()}`;
    const key = `daebus:{${service}}:requests`;
    const writes = countWrites(transport);
    try {
      const stream = new RequestStream(service, transport, true);
      await expect(Promise.all(Array.from({ length: 50 }, (_, i) => stream.add(`m${i}`, 1_000)))).resolves.toHaveLength(50);
      expect(writes).toMatchObject({ corked: 50, uncorked: 0 });
      expect(writes.socket.writableCorked).toBe(0);
      const entries = (await transport.cache().xrange(key, '-', '+')).map(([, fields]) => fields);
      expect(entries).toEqual(Array.from({ length: 50 }, (_, i) => ['m', `m${i}`, 't', '1000']));
    } finally {
      await transport.cache().del(key);
      await transport.close();
    }
  });

  it('refuses a payload over maxPayloadBytes with an error reply, and echoes a 5 MB one under the default', async () => {
    const service = unique('svc');
    const { app } = makeApp();
    app.action('echo', (payload) => ({ length: String(payload.blob).length }));
    await app.start({ service, redis: TEST_REDIS_URL });
    const caller = makeCaller(service, TEST_REDIS_URL, 20_000);
    await expect(caller.sendRequest('echo', { blob: 'x'.repeat(5_000_000) })).resolves.toEqual({ length: 5_000_000 });
    await expect(caller.sendRequest('echo', { blob: 'x'.repeat(9_000_000) })).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      details: { remoteCode: 'PAYLOAD_TOO_LARGE' },
    });
  });

  it('fails a durable request with TRANSPORT_ERROR when the stream refuses it, while connecting and once connected', async () => {
    const service = unique('durable');
    const client = rawClient();
    // the requests' stream key holds a string: XADD answers WRONGTYPE
    await client.set(`daebus:{${service}}:requests`, 'not a stream');
    const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 5_000, durable: true });
    callers.push(caller);
    try {
      // the first request waits for the connection; the second goes out at once
      for (let i = 0; i < 2; i++) {
        await expect(caller.sendRequest('anything', { i })).rejects.toMatchObject({
          code: 'TRANSPORT_ERROR',
          message: expect.stringContaining('WRONGTYPE'),
        });
      }
    } finally {
      await client.del(`daebus:{${service}}:requests`);
    }
  });

  it('sends a daebus.* request over pub/sub first, and into the stream when no lease holder hears it', async () => {
    const service = unique('durable_builtin');
    const client = rawClient();
    // the stream refuses what is added to it (WRONGTYPE): an error from it shows the request went there
    await client.set(`daebus:{${service}}:requests`, 'not a stream');
    const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 5_000, durable: true });
    callers.push(caller);
    const holder = rawClient();
    try {
      // a stand-in for the lease holder, subscribed to the channel: it answers there
      holder.on('message', (_channel: string, text: string) => {
        const { reply_to: replyTo, request_id: requestId } = JSON.parse(text) as { reply_to: string; request_id: string };
        void client.publish(replyTo, JSON.stringify({ status: 'success', payload: { pong: true }, request_id: requestId }));
      });
      await holder.subscribe(service);
      await expect(caller.sendRequest('daebus.ping')).resolves.toEqual({ pong: true });
      await holder.unsubscribe(service);
      await expect(caller.sendRequest('daebus.ping')).rejects.toMatchObject({
        code: 'TRANSPORT_ERROR',
        message: expect.stringContaining('WRONGTYPE'),
      });
    } finally {
      await client.del(`daebus:{${service}}:requests`);
    }
  });

  it('runs handlers concurrently: a slow request does not delay a fast one', async () => {
    const service = unique('svc');
    const { app } = makeApp();
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((r) => (releaseSlow = r));
    app.action('slow', async () => {
      await slowGate;
      return { which: 'slow' };
    });
    app.action('fast', () => ({ which: 'fast' }));
    await app.start({ service, redis: TEST_REDIS_URL });
    const caller = makeCaller(service);
    const slow = caller.sendRequest('slow');
    // the fast one completes while the slow one is still held
    await expect(caller.sendRequest('fast')).resolves.toEqual({ which: 'fast' });
    releaseSlow();
    await expect(slow).resolves.toEqual({ which: 'slow' });
    // many in flight on one caller's reply channel
    const many = await Promise.all(Array.from({ length: 200 }, (_, i) => caller.sendRequest('fast', { i })));
    expect(many).toHaveLength(200);
  });

  it('broadcasts and listens between two services; cache is the key/value client', async () => {
    const channel = unique('notifications');
    const a = makeApp().app;
    const b = makeApp().app;
    const heard: unknown[] = [];
    b.listen(channel, (payload) => {
      heard.push(payload);
    });
    a.action('notify', async (payload) => ({ receivers: await a.broadcast(channel, { type: 'alert', message: payload.message }) }));
    a.action('remember', async (payload) => {
      await cache.set(String(payload.key), String(payload.value));
      return { stored: await a.cache.get(String(payload.key)) };
    });
    const serviceA = unique('svcA');
    await b.start({ service: unique('svcB'), redis: TEST_REDIS_URL });
    await a.start({ service: serviceA, redis: TEST_REDIS_URL });
    const caller = makeCaller(serviceA);
    await expect(caller.sendRequest('notify', { message: 'disk full' })).resolves.toEqual({ receivers: 1 });
    await waitFor(() => heard.length === 1, 'the broadcast');
    expect(heard[0]).toEqual({ type: 'alert', message: 'disk full' });
    const key = unique('key');
    await expect(caller.sendRequest('remember', { key, value: 'v1' })).resolves.toEqual({ stored: 'v1' });
    await rawClient().del(key);
  });

  it('lets two services call each other from inside handlers', async () => {
    const ping = unique('ping');
    const pong = unique('pong');
    const a = makeApp().app;
    const b = makeApp().app;
    const toB = makeCaller(pong);
    const toA = makeCaller(ping);
    a.action('start', async (payload) => ({
      chain: ['a', ...((await toB.sendRequest('relay', { n: payload.n })) as { chain: string[] }).chain],
    }));
    b.action('relay', async (payload) => ({
      chain: ['b', ...((await toA.sendRequest('end', { n: payload.n })) as { chain: string[] }).chain],
    }));
    a.action('end', (payload) => ({ chain: [`end ${String(payload.n)}`] }));
    await a.start({ service: ping, redis: TEST_REDIS_URL });
    await b.start({ service: pong, redis: TEST_REDIS_URL });
    await expect(makeCaller(ping).sendRequest('start', { n: 7 })).resolves.toEqual({ chain: ['a', 'b', 'end 7'] });
  });

  it('fails at start with a clear message naming the address when no server answers', async () => {
    const { app } = makeApp();
    await expect(app.start({ service: unique('svc'), redis: 'redis://127.0.0.1:1' })).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /^Could not connect to Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*Is redis-server running there\?/,
      ),
    });
  });

  it('passes AUTH through: a wrong password fails clearly, the right one works', async () => {
    const server = await privateRedis(['--requirepass', 's3cret']);
    const service = unique('svc');
    const wrong = makeApp().app;
    await expect(wrong.start({ service, redis: `redis://:nope@127.0.0.1:${server.port}` })).rejects.toMatchObject({
      message: expect.stringMatching(/Could not connect to Redis at redis:\/\/127\.0\.0\.1:\d+: .*(WRONGPASS|invalid).*Check the password/),
    });
    const { app } = makeApp();
    app.action('hi', () => ({ hi: true }));
    await app.start({ service, redis: { host: '127.0.0.1', port: server.port, password: 's3cret' } });
    await expect(makeCaller(service, `redis://:s3cret@127.0.0.1:${server.port}`).sendRequest('hi')).resolves.toEqual({ hi: true });
    await server.stop();
  });

  it('passes TLS options through: a service and a caller talk over a TLS-only server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'daebus-tls-'));
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      {
        stdio: 'ignore',
      },
    );
    const server = await privateRedis([], { cert, key });
    const tls = { ca: readFileSync(cert) };
    const service = unique('svc');
    const { app } = makeApp();
    app.action('secure', () => ({ over: 'tls' }));
    await app.start({ service, redis: { host: '127.0.0.1', port: server.port, tls } });
    const caller = new DaebusCaller(service, { redis: { host: '127.0.0.1', port: server.port, tls } });
    callers.push(caller);
    await expect(caller.sendRequest('secure')).resolves.toEqual({ over: 'tls' });
    // without TLS the same server cannot be reached, and the error names the address
    await expect(
      makeApp().app.start({ service: unique('svc'), redis: { host: '127.0.0.1', port: server.port, connectTimeout: 1_000 } }),
    ).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringContaining(`redis://127.0.0.1:${server.port}`),
    });
    await server.stop();
  });

  it('survives a Redis restart: in-flight requests fail, the service resubscribes once, new requests work', async () => {
    const server = await privateRedis();
    const service = unique('svc');
    const { app } = makeApp();
    let handled = 0;
    let releaseHeld!: () => void;
    const held = new Promise<void>((r) => (releaseHeld = r));
    app.action('count', () => ({ handled: ++handled }));
    let heldRuns = false;
    app.action('held', async () => {
      heldRuns = true;
      await held;
      return {};
    });
    await app.start({ service, redis: server.url });
    const caller = makeCaller(service, server.url, 20_000);
    await expect(caller.sendRequest('count')).resolves.toEqual({ handled: 1 });

    const inFlight = caller.sendRequest('held');
    await waitFor(() => heldRuns, 'the held handler to run');
    await server.stop();
    await expect(inFlight).rejects.toMatchObject({ code: 'TRANSPORT_ERROR', message: expect.stringContaining('was lost') });
    releaseHeld();
    await server.start();

    // once reconnected and re-subscribed, each request is handled exactly once
    let answered: unknown;
    for (let i = 0; i < 100 && answered === undefined; i++) {
      answered = await caller.sendRequest('count', {}, { timeoutMs: 2_000 }).catch(() => undefined);
      if (answered === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(answered).toEqual({ handled: 2 });
    await expect(caller.sendRequest('count')).resolves.toEqual({ handled: 3 });
    await server.stop();
  });
});
