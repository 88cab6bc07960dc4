// The WebSocket endpoint on a real server (port 0) driven with `ws` clients: Daebus's envelopes,
// the connect, disconnect and register hooks, sends from actions, tasks, threads and the pool,
// bad input, floods, slow clients, its own port, and stop.
import { createConnection, type Socket } from 'node:net';
import { Blueprint, DaebusWebSocket, DEFAULT_HTTP_OPTIONS, type Daebus, type WebSocketOptions } from 'daebus';
import { appPerTest } from '../support/app-per-test';
import { fixture, jobFinisher, waitFor } from '../support/helpers';
import { connectionRefused, http, TestSocket } from '../support/http-client';

const t = appPerTest('websocket');
const sockets: TestSocket[] = [];

const raw: Socket[] = [];

afterEach(() => {
  for (const s of sockets.splice(0)) s.socket.terminate();
  for (const s of raw.splice(0)) s.destroy();
});

async function start(websocket: WebSocketOptions = {}): Promise<string> {
  await t.start({ http: { port: 0, host: '127.0.0.1' }, websocket });
  return t.app.http.websocketUrl as string;
}

async function connect(url: string): Promise<TestSocket> {
  const socket = await TestSocket.connect(url);
  sockets.push(socket);
  return socket;
}

/** A plain TCP connection to an HTTP server: what it writes, and the answers it got so far (status and JSON body). */
async function rawConnection(
  url: string,
): Promise<{ write(text: string): void; answers(n: number): Promise<{ status: number; body: unknown }[]> }> {
  const { hostname, port } = new URL(url);
  const socket = createConnection(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const parsed = (): { status: number; body: unknown }[] =>
    [...received.matchAll(/HTTP\/1\.1 (\d+)[^]*?\r\n\r\n(\{[^\r]*?\})(?=HTTP|$)/g)].map((m) => ({
      status: Number(m[1]),
      body: JSON.parse(m[2] as string),
    }));
  raw.push(socket);
  return {
    write: (text) => void socket.write(text),
    answers: async (n) => {
      await waitFor(() => parsed().length >= n, `${n} answer(s)`);
      return parsed();
    },
  };
}

/** The id of the client that connected last (the connect hook sends it). */
function greet(app: Daebus): void {
  app.socket('connect', (_data, clientId) => ({ welcome: clientId }));
}

describe('WebSocket handlers', () => {
  it('answer {"type": "response", "data": ...} to the sender, with the message id when it has one', async () => {
    t.app.socket('echo', (data, clientId) => ({ echo: data, from: clientId }));
    t.app.socket('quiet', () => undefined);
    const url = await start();
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    const client = await connect(url);
    const answer = await client.ask({ type: 'echo', data: { n: 1 }, id: 'a1' });
    expect(answer).toEqual({ type: 'response', data: { echo: { n: 1 }, from: expect.stringMatching(/^user_[0-9a-f-]{36}$/) }, id: 'a1' });
    client.send({ type: 'quiet', id: 'q' });
    client.send({ type: 'echo' }); // no data: the handler gets {} (Daebus's default), and no id comes back
    expect(await client.next()).toEqual({
      type: 'response',
      data: { echo: {}, from: answer.data && (answer.data as { from: string }).from },
    });
  });

  it('handle one client’s messages one at a time, in order', async () => {
    const order: number[] = [];
    t.app.socket('work', async (data: { n: number; ms: number }) => {
      await new Promise((r) => setTimeout(r, data.ms));
      order.push(data.n);
      return data.n;
    });
    const client = await connect(await start({ maxQueuedMessages: 2 }));
    const answers = [30, 1, 20, 1, 10].map((ms, n) => client.ask({ type: 'work', data: { n, ms }, id: n }));
    expect((await Promise.all(answers)).map((f) => f.data)).toEqual([0, 1, 2, 3, 4]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('answer bad input with {"type": "error"} frames and keep the connection', async () => {
    t.app.socket('fails', () => {
      throw Object.assign(new Error('cannot do that'), { code: 'NOPE' });
    });
    t.app.socket('ok', () => 'fine');
    t.app.socket('show', (data) => String(Object.entries(data as object)));
    const client = await connect(await start());
    client.send('not json');
    expect(await client.next()).toEqual({
      type: 'error',
      error: 'Invalid JSON',
      code: 'BAD_REQUEST',
      data: { error: 'Invalid JSON', code: 'BAD_REQUEST' },
    });
    // Python's json.dumps writes NaN and Infinity: read, as in requests over Redis
    client.send('{"type": "show", "data": {"v": NaN, "w": -Infinity}, "id": 0}');
    expect(await client.next()).toEqual({ type: 'response', data: 'v,NaN,w,-Infinity', id: 0 });
    client.send('[1, 2]');
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_REQUEST' });
    expect(await client.ask({ id: 1, data: {} })).toMatchObject({ type: 'error', error: 'No message type provided', code: 'BAD_REQUEST' });
    expect(await client.ask({ id: 2, type: 5 })).toMatchObject({ type: 'error', error: 'The message type must be a string (got 5)' });
    expect(await client.ask({ type: 'nobody', id: 2 })).toMatchObject({
      type: 'error',
      error: "No handler found for message type 'nobody'",
      code: 'NO_HANDLER',
    });
    expect(await client.ask({ type: 'connect', id: 3 })).toMatchObject({ type: 'error', code: 'NO_HANDLER' });
    expect(await client.ask({ type: 'fails', id: 4 })).toMatchObject({
      type: 'error',
      error: 'cannot do that',
      code: 'NOPE',
      data: { error: 'cannot do that' },
    });
    expect(await client.ask({ type: 'ok', id: 5 })).toEqual({ type: 'response', data: 'fine', id: 5 });
    // a type nested too deep to describe: before, the describing threw, and the client got no answer to it or to any later message
    client.send(`{"type": ${'['.repeat(20_000)}${']'.repeat(20_000)}, "id": 6}`);
    expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_REQUEST', id: 6 });
    expect(await client.ask({ type: 'ok', id: 7 })).toEqual({ type: 'response', data: 'fine', id: 7 });
    // an id the reply cannot carry back (Python Daebus reads none: a client may send any): the
    // message runs, its reply has no id, and the log says so once for the client (before: not a word)
    client.send({ type: 'ok', id: { n: 8 } });
    expect(await client.next()).toEqual({ type: 'response', data: 'fine' });
    client.send({ type: 'ok', id: true });
    expect(await client.next()).toEqual({ type: 'response', data: 'fine' });
    const said = t.records.filter((r) => String(r.message).includes('sends message ids that are not a string or a number'));
    expect(said).toHaveLength(1);
  });

  it('refuse a message holding a key that could change a prototype, as a JSON body over HTTP (before: handed to the handler)', async () => {
    let ran = 0;
    t.app.socket('show', (data) => ++ran && Object.keys(data as object));
    const client = await connect(await start());
    const error = expect.stringMatching(/^The message holds a "__proto__" key, or a "constructor" object with a "prototype" key: refused/);
    for (const [id, text] of [
      [1, '{"type": "show", "data": {"__proto__": {"admin": true}}, "id": 1}'],
      [2, '{"type": "show", "data": {"\\u005f_proto__": {"admin": true}}, "id": 2}'],
      [3, '{"type": "show", "data": {"a": [{"constructor": {"prototype": {"admin": true}}}]}, "id": 3}'],
    ] as const) {
      client.send(text);
      expect(await client.next()).toMatchObject({ type: 'error', code: 'BAD_REQUEST', error, id });
    }
    expect(ran).toBe(0);
    expect(await client.ask({ type: 'show', data: { proto: 1, k: '__proto__' }, id: 4 })).toMatchObject({ data: ['proto', 'k'] });
  });

  it('close a client that sends a frame over maxPayloadBytes with 1009, and keep the others', async () => {
    const gone: unknown[] = [];
    t.app.socket('ok', () => 'fine');
    t.app.socket('disconnect', (data) => void gone.push(data));
    const url = await start({ maxPayloadBytes: 1024 });
    const [big, other] = [await connect(url), await connect(url)];
    big.send({ type: 'ok', data: 'x'.repeat(4096) });
    expect((await big.closed).code).toBe(1009);
    expect(await other.ask({ type: 'ok', id: 1 })).toMatchObject({ data: 'fine' });
    // the disconnect hook hears the code the server closed with (not 1006: ws drops the client's answer)
    await waitFor(() => gone.length === 1, 'the disconnect hook');
    expect(gone).toEqual([{ code: 1009, reason: expect.any(String) }]);
  });

  it('answer a flood past the rate limit with RATE_LIMITED errors', async () => {
    t.app.socket('ping', () => 'pong');
    const client = await connect(await start({ rateLimit: { messages: 5, windowMs: 60_000 } }));
    for (let i = 0; i < 8; i++) client.send({ type: 'ping', id: i });
    await waitFor(() => client.frames.length === 8, 'an answer to every message');
    expect(client.frames.filter((f) => f.data === 'pong')).toHaveLength(5);
    const limited = client.frames.filter((f) => f.code === 'RATE_LIMITED');
    expect(limited).toHaveLength(3);
    expect(limited[0]).toMatchObject({ type: 'error', error: 'Rate limit exceeded', retry_after: expect.any(Number) });
  });

  it('answer each message refused by the rate limit with its id, in order after the earlier messages’ replies', async () => {
    t.app.socket('echo', async (data: unknown) => {
      await new Promise((r) => setImmediate(r));
      return data;
    });
    const client = await connect(await start({ rateLimit: { messages: 5, windowMs: 60_000 } }));
    for (let id = 100; id < 108; id++) client.send({ type: 'echo', data: id, id });
    await waitFor(() => client.frames.length === 8, 'an answer to every message');
    expect(client.frames.map((f) => [f.id, f.type === 'error' ? f.code : f.data])).toEqual([
      [100, 100],
      [101, 101],
      [102, 102],
      [103, 103],
      [104, 104],
      [105, 'RATE_LIMITED'],
      [106, 'RATE_LIMITED'],
      [107, 'RATE_LIMITED'],
    ]);
  });

  it('log a handler failing on every message as ten lines with their stack and client a second, and count the rest', async () => {
    t.app.socket('broken', () => {
      throw new Error('db down');
    });
    const client = await connect(await start());
    const answers = await Promise.all(Array.from({ length: 40 }, (_, id) => client.ask({ type: 'broken', id })));
    expect(answers.every((a) => a.type === 'error' && a.code === 'HANDLER_ERROR')).toBe(true);
    await t.app.stop(); // says what it counted
    const full = t.records.filter((r) => r.message === 'WebSocket handler "broken" failed: db down');
    expect(full.length).toBeGreaterThanOrEqual(10);
    expect(full[0]).toMatchObject({
      level: 'warn',
      ws_client: expect.stringMatching(/^user_/),
      error: { stack: expect.stringContaining('db down') },
    });
    const counted = t.records.filter((r) => /^WebSocket handler "broken" failed \d+ more time\(s\)/.test(r.message));
    expect(counted.at(-1)).toMatchObject({
      ws_type: 'broken',
      message: expect.stringMatching(/each answered with an error frame\); the last: db down$/),
    });
    expect(full.length + counted.reduce((sum, r) => sum + Number(r.count), 0)).toBe(40);
  });

  it('answer a handler that runs past handlerTimeoutMs with TIMEOUT and its id, log it, and handle the next messages', async () => {
    t.app.socket('hang', () => new Promise(() => undefined));
    t.app.socket('ok', () => 'fine');
    const client = await connect(await start({ handlerTimeoutMs: 100 }));
    client.send({ type: 'hang', id: 'h1' });
    client.send({ type: 'ok', id: 'o1' });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'TIMEOUT', id: 'h1', error: expect.stringMatching(/within 100 ms/) });
    expect(await client.next()).toEqual({ type: 'response', data: 'fine', id: 'o1' });
    expect(t.records.some((r) => r.level === 'warn' && /WebSocket handler "hang" failed: .*within 100 ms/.test(r.message))).toBe(true);
    expect(() => new DaebusWebSocket({ handlerTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(DEFAULT_HTTP_OPTIONS.websocket.handlerTimeoutMs).toBe(30_000);
  });

  it('close a client that does not read with 1013 once a message was held for it sendTimeoutMs; an awaiting sender hears false', async () => {
    const url = await start({ maxBufferedBytes: 64 * 1024, sendTimeoutMs: 300 });
    const slow = await connect(url);
    await waitFor(async () => (await t.app.websocket.clients()).length === 1, 'the client');
    const id = (await t.app.websocket.clients())[0]?.id as string;
    slow.socket.pause(); // stops reading: what the server sends piles up
    const chunk = 'y'.repeat(32 * 1024);
    let sent = 0;
    // each awaited send goes at the client's pace: once the connection is full, the next waits
    while (await t.app.websocket.sendToClient(id, chunk)) {
      sent += 1;
      if (sent > 20_000) throw new Error('the server never refused to queue more');
    }
    slow.socket.resume();
    expect(await slow.closed).toMatchObject({ code: 1013, reason: expect.stringMatching(/^Too slow: .* some for 300 ms$/) });
  });

  it('close a client with 1013 when more than maxBufferedBytes would be held for it, instead of queueing without bound', async () => {
    const url = await start({ maxBufferedBytes: 64 * 1024 });
    const slow = await connect(url);
    await waitFor(async () => (await t.app.websocket.clients()).length === 1, 'the client');
    const id = (await t.app.websocket.clients())[0]?.id as string;
    slow.socket.pause();
    const chunk = 'y'.repeat(32 * 1024);
    // senders that do not wait: what is held for the client is bounded
    let waiting = 0;
    const sends: Promise<boolean>[] = [];
    for (let i = 0; i < 20_000 && (await t.app.websocket.clients()).length === 1; i++) {
      sends.push(t.app.websocket.sendToClient(id, chunk));
      waiting = Math.max(waiting, (await t.app.websocket.clients())[0]?.bufferedBytes ?? 0);
    }
    expect(waiting).toBeLessThanOrEqual(2 * (64 * 1024 + chunk.length + 64));
    expect((await Promise.all(sends)).at(-1)).toBe(false);
    slow.socket.resume();
    expect(await slow.closed).toMatchObject({ code: 1013, reason: expect.stringMatching(/^Too slow: \d+ bytes are waiting/) });
  });

  it('cut off a client closed as too slow that goes on reading nothing soon after its 1013: it leaves the list and its hook runs', async () => {
    const gone: { code: number; reason: string }[] = [];
    t.app.socket('disconnect', (data) => void gone.push(data as { code: number; reason: string }));
    const url = await start({ maxBufferedBytes: 64 * 1024, sendTimeoutMs: 300 });
    const slow = await connect(url);
    await waitFor(async () => (await t.app.websocket.clients()).length === 1, 'the client');
    const id = (await t.app.websocket.clients())[0]?.id as string;
    slow.socket.pause(); // and never resumed: its close frame sits behind what it does not read
    const chunk = 'y'.repeat(32 * 1024);
    for (let i = 0; i < 20_000 && (await t.app.websocket.sendToClient(id, chunk)); i++);
    // before: listed (and counted against maxClients) until ws's closing timeout, 30 s, and only then the hook
    await waitFor(async () => (await t.app.websocket.clients()).length === 0 && gone.length === 1, 'the client cut off', 20_000);
    expect(gone[0]).toMatchObject({ code: 1013, reason: expect.stringMatching(/^Too slow/) });
  });

  it('let a broadcaster that awaits each broadcast go on while one client reads nothing: the others get every message', async () => {
    const url = await start({ maxBufferedBytes: 64 * 1024, sendTimeoutMs: 60_000 });
    const stuck = await connect(url);
    stuck.socket.pause();
    const readers = [await connect(url), await connect(url), await connect(url)];
    await waitFor(async () => (await t.app.websocket.clients()).length === 4, 'the clients');
    const chunk = 'b'.repeat(32 * 1024);
    const counts: number[] = [];
    // a ticker, 6 MiB in all (more than the system's buffers take for the stuck client): before (in
    // this round's first version), a broadcast held for the stuck client waited for it
    for (let n = 0; n < 200; n++) {
      counts.push(await t.app.websocket.broadcastToAll({ n, chunk }, 'tick'));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await waitFor(() => readers.every((r) => r.frames.filter((f) => f.type === 'tick').length === 200), 'every reader to get all 200');
    // the stuck client had them held until too much was held: then it was closed, and counted no more
    expect(counts[0]).toBe(4);
    expect(counts.at(-1)).toBe(3);
    stuck.socket.resume();
    expect(await stuck.closed).toMatchObject({ code: 1013, reason: expect.stringMatching(/^Too slow/) });
  });

  it('deliver messages larger than maxBufferedBytes, back to back, to a client that reads them (before: closed with 1013)', async () => {
    const big = 'z'.repeat(2 * 1024 * 1024);
    t.app.socket('dump', async (_data, clientId) => {
      expect(await t.app.websocket.sendToClient(clientId, big, 'part')).toBe(true);
      expect(await t.app.websocket.sendToClient(clientId, big, 'part')).toBe(true);
      return { done: true };
    });
    const url = await start({ maxBufferedBytes: 64 * 1024 });
    const client = await connect(url);
    // the reply comes after both parts (one client's frames keep their order)
    expect(await client.ask({ type: 'dump', id: 'd1' })).toEqual({ type: 'response', data: { done: true }, id: 'd1' });
    expect(client.frames.filter((f) => f.type === 'part').map((f) => (f.data as string).length)).toEqual([big.length, big.length]);
    // and broadcasts: a large one, then a small one right after
    const others = [client, await connect(url), await connect(url)];
    const ticks = others.map((c) => c.next((f) => f.type === 'tick'));
    expect(await t.app.websocket.broadcastToAll(big, 'news')).toBe(3);
    expect(await t.app.websocket.broadcastToAll({ n: 1 }, 'tick')).toBe(3);
    expect((await Promise.all(ticks)).map((f) => f.data)).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
    expect((await t.app.websocket.clients()).length).toBe(3);
  });
});

describe('WebSocket clients and hooks', () => {
  it('run connect, register and disconnect hooks, and list clients with their metadata', async () => {
    const gone: unknown[] = [];
    t.app.socket('connect', (data: { query: Record<string, string> }, clientId) => ({ welcome: clientId, token: data.query.token }));
    t.app.socket('register', (data: { name: string }) => ({ registered: data.name }));
    t.app.socket('disconnect', (data, clientId, context) => {
      context.logger.info('client left');
      gone.push({ clientId, ...(data as object) });
    });
    const url = await start();
    const client = await connect(`${url}?token=t1`);
    const welcome = await client.next();
    const id = (welcome.data as { welcome: string }).welcome;
    expect(welcome).toEqual({ type: 'response', data: { welcome: id, token: 't1' } });
    expect(await client.ask({ type: 'register', data: { name: 'kiosk-3' }, id: 'r' })).toMatchObject({ data: { registered: 'kiosk-3' } });
    const [info] = await t.app.websocket.clients();
    expect(info).toMatchObject({
      id,
      path: '/ws',
      query: { token: 't1' },
      remoteAddress: '127.0.0.1',
      messagesReceived: 1,
      messagesSent: 2,
      registration: { name: 'kiosk-3' },
    });
    await client.close();
    await waitFor(() => gone.length === 1, 'the disconnect hook');
    expect(gone[0]).toEqual({ clientId: id, code: 1005, reason: '' });
    expect(await t.app.websocket.clients()).toEqual([]);
    expect(t.records.find((r) => r.message === 'client left')).toMatchObject({ ws_client: id });
  });

  it('refuse a client whose connect hook throws, closing with 1008 and the reason', async () => {
    t.app.socket('connect', (data: { query: Record<string, string> }) => {
      if (data.query.token !== 'secret') throw new Error('bad token');
    });
    const url = await start();
    const refused = await connect(`${url}?token=guess`);
    expect(await refused.closed).toEqual({ code: 1008, reason: 'bad token' });
    const welcome = await connect(`${url}?token=secret`);
    expect(welcome.socket.readyState).toBe(welcome.socket.OPEN);
  });

  it('refuse a client whose connect hook runs past handlerTimeoutMs, with 1008 and a reason that says so', async () => {
    t.app.socket('connect', () => new Promise(() => undefined));
    const refused = await connect(await start({ handlerTimeoutMs: 100 }));
    expect(await refused.closed).toEqual({ code: 1008, reason: 'The connect hook did not answer within 100 ms; the client is refused.' });
  });

  it('refuse a handshake from an origin not in cors.allowedOrigins with 403, before the upgrade', async () => {
    const connected: unknown[] = [];
    t.app.socket('connect', (handshake) => void connected.push(handshake));
    // written as an address, not as the Origin a browser sends: read as that Origin
    const cors = { allowedOrigins: ['https://App.Example:443/'], allowCredentials: true };
    await t.start({ http: { port: 0, host: '127.0.0.1', cors } });
    const url = t.app.http.websocketUrl as string;
    await expect(TestSocket.connect(url, { headers: { origin: 'https://evil.example' } })).rejects.toThrow(/403/);
    expect(connected).toEqual([]);
    // the server closes the connection after its 403: the answer says so
    const { hostname, port, pathname } = new URL(url);
    const socket = createConnection(Number(port), hostname);
    raw.push(socket);
    let head = '';
    socket.on('data', (chunk: Buffer) => (head += chunk.toString()));
    socket.write(
      `GET ${pathname} HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await waitFor(() => head.includes('\r\n\r\n'), 'the answer to the handshake');
    expect(head).toMatch(/^HTTP\/1\.1 403 /);
    expect(head.toLowerCase()).toContain('connection: close');
    // the listed origin, and a client that sends none (not a browser), are taken
    sockets.push(await TestSocket.connect(url, { headers: { origin: 'https://app.example' } }), await connect(url));
    await waitFor(() => connected.length === 2, 'both connect hooks');
  });

  it('answer a handshake to an HTTP route or an ops endpoint with 404 before the upgrade, not 101 and a socket held 30 s', async () => {
    t.app.socket('ping', () => 'pong');
    t.app.route('/items', () => ({ items: [] }));
    const url = await start();
    const { hostname, port } = new URL(url);
    for (const path of ['/items', '/healthz', '/metrics?x=1']) {
      const socket = createConnection(Number(port), hostname);
      raw.push(socket);
      let head = '';
      socket.on('data', (chunk: Buffer) => (head += chunk.toString()));
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
      );
      await waitFor(() => /\r\n\r\n\{.*\}/s.test(head), `the answer to the handshake on ${path}`);
      expect(head).toMatch(/^HTTP\/1\.1 404 /);
      expect(JSON.parse(head.slice(head.indexOf('{')))).toMatchObject({ code: 'UNKNOWN_ROUTE', path: path.split('?')[0] });
    }
    // the endpoint itself still takes them, and the routes still answer plain requests
    const client = await connect(url);
    expect(await client.ask({ type: 'ping', id: 1 })).toMatchObject({ type: 'response', data: 'pong' });
    expect(await http(url.replace('ws:', 'http:').replace(/\/ws$/, '/items'))).toMatchObject({ status: 200, body: { items: [] } });
  });

  it('take a handshake from any origin when the CORS origins are not a list (`*`), and on its own port with the list', async () => {
    const evil = { headers: { origin: 'https://evil.example' } };
    t.app.socket('ping', () => 'pong');
    await t.start({ http: { port: 0, host: '127.0.0.1', cors: { allowedOrigins: '*' } } });
    sockets.push(await TestSocket.connect(t.app.http.websocketUrl as string, evil));
    await t.app.stop();
    t.remake().socket('ping', () => 'pong');
    const cors = { allowedOrigins: ['https://app.example'] };
    await t.start({ http: { port: 0, host: '127.0.0.1', cors }, websocket: { port: 0, host: '127.0.0.1' } });
    // the list covers the endpoint on a port of its own too: a browser sends the host's cookies to every port
    await expect(TestSocket.connect(`${t.app.http.websocketUrl as string}/x`, evil)).rejects.toThrow(/403/);
  });

  it('run the disconnect hook only for clients the connect hook admitted', async () => {
    const gone: string[] = [];
    t.app.socket('connect', (data: { query: Record<string, string> }) => {
      if (data.query.token !== 'secret') throw new Error('bad token');
      return 'welcome';
    });
    t.app.socket('disconnect', (_data, clientId) => void gone.push(clientId));
    const url = await start();
    const refused = await connect(`${url}?token=guess`);
    expect(await refused.closed).toMatchObject({ code: 1008 });
    const admitted = await connect(`${url}?token=secret`);
    await admitted.next();
    const [info] = await t.app.websocket.clients();
    await admitted.close();
    await waitFor(() => gone.includes(info?.id as string), 'the disconnect hook of the admitted client');
    expect(gone).toEqual([info?.id]);
  });

  it('drop a client’s queued messages when it leaves: its disconnect hook is the last of its handlers to start', async () => {
    const seen: string[] = [];
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    t.app.socket('work', async (data: { n: number }) => {
      seen.push(`start ${data.n}`);
      if (data.n === 1) await gate;
      seen.push(`end ${data.n}`);
    });
    t.app.socket('disconnect', () => void seen.push('disconnect'));
    const client = await connect(await start());
    for (const n of [1, 2, 3]) client.send({ type: 'work', data: { n } });
    await waitFor(() => seen.includes('start 1'), 'the first message’s handler');
    await client.close();
    await waitFor(() => seen.includes('disconnect'), 'the disconnect hook');
    // the message running as the client left may finish; those still waiting do not start
    release();
    await waitFor(() => seen.includes('end 1'), 'the first message’s handler to finish');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['start 1', 'disconnect', 'end 1']);
  });

  it('send to one client and to all from actions and background tasks; disconnect a client', async () => {
    greet(t.app);
    t.app.action('notify', async (payload) => ({ sent: await t.app.websocket.sendToClient(payload.to as string, { hi: true }, 'note') }));
    t.app.action('kick', async (payload) => ({ kicked: await t.app.websocket.disconnect(payload.to as string, 4000, 'bye') }));
    const task = t.app.background('ticker', 3600, async () => {
      await t.app.websocket.broadcastToAll({ tick: 1 });
    });
    const url = await start();
    const [a, b] = [await connect(url), await connect(url)];
    const idOf = async (s: TestSocket): Promise<string> =>
      ((await s.next((f) => f.type === 'response')).data as { welcome: string }).welcome;
    const [idA] = [await idOf(a), await idOf(b)];
    const caller = t.caller();
    expect(await caller.sendRequest('notify', { to: idA })).toEqual({ sent: true });
    expect(await a.next((f) => f.type === 'note')).toEqual({ type: 'note', data: { hi: true } });
    expect(await caller.sendRequest('notify', { to: 'user_nobody' })).toEqual({ sent: false });
    task.intervalSeconds = 0.01;
    expect(await b.next((f) => f.type === 'broadcast')).toEqual({ type: 'broadcast', data: { tick: 1 } });
    expect(await caller.sendRequest('kick', { to: idA })).toEqual({ kicked: true });
    expect(await a.closed).toEqual({ code: 4000, reason: 'bye' });
    await expect(t.app.websocket.broadcastToAll({ n: 1n })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.app.websocket.disconnect(idA, 1006)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('send from a thread (t.websocket) and a pooled handler (ctx.websocket), through the main side', async () => {
    t.remake({ maxWorkers: 1 });
    t.app.thread('pusher', fixture('socket-pusher.mjs'));
    t.app.route('/push', { module: fixture('pooled-route.mjs'), export: 'pushes' }, { methods: 'POST' });
    const url = await start();
    const client = await connect(url);
    await waitFor(async () => (await t.app.websocket.clients()).length === 1, 'the client');
    expect(await t.app.thread('pusher').request('push', { a: 1 })).toEqual({ sent: 1, clients: 1 });
    expect(await client.next((f) => f.type === 'from_thread')).toEqual({ type: 'from_thread', data: { a: 1 } });
    expect((await http(`${t.app.http.url}/push`, { method: 'POST', json: { b: 2 } })).body).toEqual({ sent: 1 });
    expect(await client.next((f) => f.type === 'from_pool')).toEqual({ type: 'from_pool', data: { b: 2 } });
  });

  it('answer BAD_RESPONSE for a reply that is no JSON data (a BigInt, a function, a symbol), and go on', async () => {
    t.app.socket('bigint', () => 10n);
    t.app.socket('function', () => () => 1);
    t.app.socket('symbol', () => Symbol('s'));
    t.app.socket('ping', () => 'pong');
    const client = await connect(await start());
    // before, a function or a symbol went out as a response frame with no data
    for (const [type, id] of [
      ['bigint', 1],
      ['function', 2],
      ['symbol', 3],
    ] as const) {
      expect(await client.ask({ type, id })).toMatchObject({ type: 'error', code: 'BAD_RESPONSE', id });
    }
    await expect(t.app.websocket.broadcastToAll(Symbol('s'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await client.ask({ type: 'ping', id: 4 })).toMatchObject({ type: 'response', data: 'pong', id: 4 });
    expect(t.records.some((r) => r.level === 'warn' && /WebSocket handler "function" failed: .*not JSON data/.test(r.message))).toBe(true);
  });

  it('keep no registration whose reply is BAD_RESPONSE (the client was told it failed)', async () => {
    t.app.socket('register', (data: { user: string }) => (data.user === 'bad' ? () => 1 : { ok: true }));
    const client = await connect(await start());
    expect(await client.ask({ type: 'register', data: { user: 'bad' }, id: 1 })).toMatchObject({ type: 'error', code: 'BAD_RESPONSE' });
    expect((await t.app.websocket.clients())[0]?.registration).toBeUndefined();
    expect(await client.ask({ type: 'register', data: { user: 'ann' }, id: 2 })).toMatchObject({ type: 'response', data: { ok: true } });
    expect((await t.app.websocket.clients())[0]?.registration).toEqual({ user: 'ann' });
  });

  it('run a blueprint’s socket handlers, and refuse a type registered twice', async () => {
    t.app.socket('chat', () => 'app');
    expect(() => t.app.registerBlueprint(new Blueprint('chat').socket('chat', () => 'bp'))).toThrow(
      'A WebSocket handler named "chat" is registered twice: by the app and by blueprint "chat". Give each its own name.',
    );
    t.app.registerBlueprint(new Blueprint('extra').socket('shout', (data: string) => data.toUpperCase()));
    const client = await connect(await start());
    expect(await client.ask({ type: 'shout', data: 'hey', id: 1 })).toMatchObject({ data: 'HEY' });
  });
});

describe('the WebSocket endpoint’s life', () => {
  it('listens on a port of its own when given one, on every path, with no HTTP server', async () => {
    t.app.socket('ping', () => 'pong');
    await t.start({ http: false, websocket: { port: 0, host: '127.0.0.1' } });
    const { url, websocketUrl } = t.app.http;
    expect(url).toBeUndefined();
    const client = await connect(`${websocketUrl as string}/any/path`);
    expect(await client.ask({ type: 'ping', id: 1 })).toMatchObject({ data: 'pong' });
  });

  it('closes every client with 1001 when the service stops', async () => {
    greet(t.app);
    const client = await connect(await start());
    await client.next();
    await t.app.stop();
    expect((await client.closed).code).toBe(1001);
  });

  it('lets a message being handled answer before its client is closed; messages sent meanwhile are answered STOPPED', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    t.app.socket('slow', async () => {
      started = true;
      await gate;
      return { done: true };
    });
    t.app.socket('echo', (data) => data);
    const url = await start();
    const busy = await connect(url);
    const idle = await connect(url);
    const frames: unknown[] = [];
    busy.socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString())));
    busy.send({ type: 'slow', id: 'w' });
    await waitFor(() => started, 'the slow handler to run');
    const stopped = t.app.stop();
    await waitFor(() => connectionRefused(url), 'the stop to begin');
    // an idle client is closed at once; the busy one stays while its message is handled
    expect((await idle.closed).code).toBe(1001);
    busy.send({ type: 'echo', data: 1, id: 'late' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await stopped;
    expect((await busy.closed).code).toBe(1001);
    // before, the client was closed at once and the reply to "w" was lost, while the handler ran on
    expect(frames).toEqual([
      { type: 'response', data: { done: true }, id: 'w' },
      expect.objectContaining({
        type: 'error',
        code: 'STOPPED',
        id: 'late',
        error: `Service "${t.service}" is stopping: it takes no new messages.`,
      }),
    ]);
  });

  it('a handler given up on takes no queue item while actions still drain: it stays queued', async () => {
    t.remake({ drainTimeoutMs: 200 });
    let polling: () => void = () => undefined;
    const polled = new Promise<void>((r) => (polling = r));
    t.app.socket('next_job', async () => {
      polling();
      return { job: (await t.app.queue('jobs').get()) ?? null }; // a long poll
    });
    const inAction = jobFinisher(t.app, 350);
    const client = await connect(await start());
    const poll = client.ask({ type: 'next_job', id: 1 });
    await polled;
    const finished = t.caller().sendRequest('finish', {}, { timeoutMs: 10_000 });
    await inAction;
    await t.app.stop();
    expect(await poll).toMatchObject({ type: 'error', code: 'STOPPED', id: 1 });
    await expect(finished).resolves.toEqual({});
    // before: the handler given up on took it, and it was lost
    expect(await t.app.queue('jobs').snapshot()).toEqual(['job-7']);
  });

  it('gives up on a message still handled after drainTimeoutMs: its client is closed, and the last line names it', async () => {
    t.remake({ drainTimeoutMs: 200 });
    greet(t.app);
    t.app.socket('forever', () => new Promise(() => undefined));
    t.app.socket('echo', (data) => data);
    const url = await start();
    const client = await connect(url);
    const id = ((await client.next()).data as { welcome: string }).welcome;
    const frames: { id?: unknown; code?: unknown }[] = [];
    client.socket.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as { id?: unknown }));
    client.send({ type: 'forever', id: 1 });
    client.send({ type: 'echo', data: 2, id: 2 }); // waits behind it
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopped = t.app.stop();
    await waitFor(() => connectionRefused(url), 'the stop to begin');
    // said as the stop begins (before: nothing while messages drained)
    expect(t.records.map((r) => r.message)).toContain(`Waiting up to 200 ms for 1 WebSocket message(s): "forever" (client ${id})`);
    client.send({ type: 'echo', data: 3, id: 3 }); // sent during the stop
    await stopped;
    expect((await client.closed).code).toBe(1001);
    // before, the client was closed with nothing said of the messages behind the one given up on,
    // nor (as an HTTP request given up on is answered 503) of that one itself
    expect(frames.map((f) => [f.id, f.code])).toEqual([
      [1, 'STOPPED'],
      [2, 'STOPPED'],
      [3, 'STOPPED'],
    ]);
    expect(frames[0]).toMatchObject({ type: 'error', error: `Service "${t.service}" stopped before this message was answered.` });
    // abandoned work, as an HTTP request given up on (exit code 1 under run(): see the stop report's unit test)
    expect(t.records.at(-1)).toMatchObject({
      level: 'warn',
      message: `Service "${t.service}" stopped; abandoned WebSocket message(s): "forever" (client ${id})`,
    });
  });

  it('names a connect hook still running when a stop begins and when it gives up on it', async () => {
    t.remake({ drainTimeoutMs: 200 });
    t.app.socket('connect', () => new Promise(() => undefined));
    const url = await start();
    const client = await connect(url);
    await waitFor(async () => (await t.app.websocket.clients()).length === 1, 'the connect hook to run');
    await t.app.stop();
    expect((await client.closed).code).toBe(1001);
    const said = t.records.map((r) => String(r.message));
    // before: "for 0 WebSocket message(s)" was not said at all, and the last line named nothing
    expect(said).toContainEqual(
      expect.stringMatching(/^Waiting up to 200 ms for 1 WebSocket message\(s\): the connect hook \(client user_/),
    );
    expect(t.records.at(-1)).toMatchObject({
      level: 'warn',
      message: expect.stringMatching(
        new RegExp(`^Service "${t.service}" stopped; abandoned WebSocket message\\(s\\): the connect hook \\(client user_`),
      ),
    });
  });

  it('lets every disconnect hook finish before the stop resolves, a client cut off after the close grace included', async () => {
    greet(t.app);
    const gone: string[] = [];
    t.app.socket('disconnect', async (_data, clientId) => {
      await new Promise((resolve) => setTimeout(resolve, 300)); // a hook that writes somewhere
      gone.push(clientId);
    });
    const url = await start();
    const polite = await connect(url);
    const deaf = await connect(url);
    const ids = [await polite.next(), await deaf.next()].map((f) => (f.data as { welcome: string }).welcome);
    deaf.socket.pause(); // it never answers the close: cut off after the grace
    await t.app.stop();
    expect(gone.sort()).toEqual(ids.sort());
  });

  it('gives up on a disconnect hook that never finishes after drainTimeoutMs, naming its client', async () => {
    t.remake({ drainTimeoutMs: 200 });
    greet(t.app);
    t.app.socket('disconnect', () => new Promise(() => undefined));
    const client = await connect(await start());
    const id = ((await client.next()).data as { welcome: string }).welcome;
    await t.app.stop();
    const warning = t.records.find((r) => /Gave up on the WebSocket disconnect hook/.test(String(r.message)));
    expect(warning?.message).toBe(`Gave up on the WebSocket disconnect hook of client(s) ${id}: still running after 200 ms.`);
    // named in the last line too, as a task run not waited for is (before: "every action finished"), so the process gets its 2 s
    expect(t.records.at(-1)).toMatchObject({
      level: 'warn',
      message: `Service "${t.service}" stopped; WebSocket disconnect hook(s) not waited for: ${id}`,
    });
  });

  it('is not ready and takes no new connection from the moment a stop begins, while its clients close', async () => {
    greet(t.app);
    const client = await connect(await start());
    await client.next();
    client.socket.pause(); // it does not answer the close: the stop waits for it (up to 1 s) before the server closes
    const url = t.app.http.url as string;
    // a connection with a request under way when the stop begins: the request's last line is sent after
    const open = await rawConnection(url);
    open.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n');
    await open.answers(1);
    const stopped = t.app.stop();
    open.write('\r\n');
    const [, readyz] = await open.answers(2);
    expect(readyz).toMatchObject({ status: 503, body: { ready: false, stopping: true } });
    await expect(http(`${url}/readyz`)).rejects.toThrow();
    client.socket.resume();
    await stopped;
    expect((await client.closed).code).toBe(1001);
  });

  it('pings its clients and cuts off one that does not answer (its disconnect hook hears 1011), keeping the others', async () => {
    greet(t.app);
    const gone: unknown[] = [];
    t.app.socket('disconnect', (data, clientId) => void gone.push({ clientId, ...(data as object) }));
    // the timeout is a margin for a loaded machine (4 s: this process's event loop may stall): the live client answers as soon as it reads the ping
    const url = await start({ pingIntervalMs: 50, pingTimeoutMs: 4_000 });
    const live = await connect(url);
    const liveId = ((await live.next()).data as { welcome: string }).welcome;
    let livePings = 0;
    live.socket.on('ping', () => (livePings += 1));
    const mute = await TestSocket.connect(url, { autoPong: false });
    sockets.push(mute);
    const muteId = ((await mute.next()).data as { welcome: string }).welcome;
    await mute.closed;
    await waitFor(() => gone.length === 1, 'the disconnect hook');
    expect(gone).toEqual([{ clientId: muteId, code: 1011, reason: 'No answer to a ping within 4000 ms' }]);
    const before = livePings;
    await waitFor(() => livePings >= before + 2, 'more pings to the live client');
    expect(live.socket.readyState).toBe(1);
    expect((await t.app.websocket.clients()).map((c) => c.id)).toEqual([liveId]);
    expect(t.records.map((r) => r.message)).toContain('Dropped 1 WebSocket client(s) that did not answer a ping within 4000 ms');
    expect(() => new DaebusWebSocket({ pingIntervalMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(new DaebusWebSocket({ pingIntervalMs: 0, pingTimeoutMs: 0 })).toBeDefined();
    expect(DEFAULT_HTTP_OPTIONS.websocket).toMatchObject({ pingIntervalMs: 20_000, pingTimeoutMs: 20_000 });
  });

  it('refuses clients past maxClients with 1013', async () => {
    greet(t.app);
    const url = await start({ maxClients: 1 });
    await (await connect(url)).next();
    const second = await connect(url);
    expect((await second.closed).code).toBe(1013);
  });
});
