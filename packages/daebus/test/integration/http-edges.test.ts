// HTTP at its edges: response headers HTTP cannot carry, clients that stall mid-request, and the
// answers of requests no route takes.
import { fork } from 'node:child_process';
import { request as httpRequest, Server } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import { DaebusHttp, DEFAULT_HTTP_OPTIONS, response, type HttpOptions } from 'daebus';
import { appPerTest } from '../support/app-per-test';
import { connectionRefused, http, TestSocket } from '../support/http-client';
import { fixture, waitFor } from '../support/helpers';

const t = appPerTest('http_edges', { drainTimeoutMs: 2_000 });
const LOCAL: HttpOptions = { port: 0, host: '127.0.0.1' };

const raw: Socket[] = [];
afterEach(() => {
  for (const socket of raw.splice(0)) socket.destroy();
});

async function start(options: HttpOptions = {}): Promise<string> {
  await t.start({ http: { ...LOCAL, ...options } });
  return t.app.http.url as string;
}

/** A plain TCP connection to the server: its socket, what it got so far, and when the server closed it. */
function openRaw(url: string): { socket: Socket; got: () => string; closed: Promise<unknown> } {
  const { hostname, port } = new URL(url);
  const socket = createConnection(Number(port), hostname);
  raw.push(socket);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise((resolve) => socket.once('close', resolve));
  return { socket, got: () => received, closed };
}

/** Write `text` (then `body`, as it is taken) on a plain TCP connection; resolves with all it got once the server closed it. */
async function sendRaw(url: string, text: string, body?: string): Promise<string> {
  const { socket, got, closed } = openRaw(url);
  socket.write(text);
  for (let at = 0; body !== undefined && at < body.length && !socket.destroyed; at += 64 * 1024) {
    if (!socket.write(body.slice(at, at + 64 * 1024))) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
  await closed;
  return got();
}

/** A plain TCP connection kept open: what it got so far, and whether the server closed it. */
async function keptOpen(url: string): Promise<{ write(text: string): void; got: () => string; closed: Promise<unknown> }> {
  const { socket, got, closed } = openRaw(url);
  await new Promise((resolve) => socket.once('connect', resolve));
  return { write: (text) => void socket.write(text), got, closed };
}

/** The status and JSON body of a raw HTTP answer. */
function parsed(answer: string): { status: number; body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body: JSON.parse(body) };
}

describe('a service that stops', () => {
  it('says it is not ready, and stopping, over its actions too (daebus.health) while an HTTP request drains', async () => {
    let release: (() => void) | undefined;
    t.app.route('/slow', () => new Promise((resolve) => (release = () => resolve({ done: true }))));
    const url = await start();
    const slow = http(`${url}/slow`);
    await waitFor(() => release !== undefined, 'the request under way');
    const caller = t.caller();
    await expect(caller.sendRequest('daebus.health')).resolves.toMatchObject({ ready: true });
    const stopped = t.app.stop();
    // before: ready, with no word of the stop, while /readyz answered 503
    await expect(caller.sendRequest('daebus.health')).resolves.toMatchObject({ ready: false, stopping: true });
    release?.();
    await expect(slow).resolves.toMatchObject({ status: 200, body: { done: true } });
    await stopped;
  });
});

describe('background tasks of a service that stops', () => {
  it('start no run while the HTTP requests drain (before: a run every interval until the drain ended)', async () => {
    let stopping = false;
    const started: boolean[] = []; // whether the stop had begun when each run started
    t.app.background('tick', 0.02, () => void started.push(stopping));
    let release: (() => void) | undefined;
    t.app.route('/slow', () => new Promise((resolve) => (release = () => resolve({ done: true }))));
    const url = await start();
    const slow = http(`${url}/slow`);
    await waitFor(() => release !== undefined && started.length > 0, 'the request under way and a first run');
    stopping = true;
    const stopped = t.app.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    release?.();
    await expect(slow).resolves.toMatchObject({ status: 200 });
    await stopped;
    expect(started.filter(Boolean)).toEqual([]);
  });
});

describe('a request read while the servers close', () => {
  it('is answered in the documented form: /readyz with its report, a route with 503 STOPPED', async () => {
    t.app.route('/items', () => ({ items: [] }));
    const url = await start();
    // begun before the stop, finished after it
    const probe = await keptOpen(url);
    const item = await keptOpen(url);
    probe.write('GET /readyz HTTP/1.1\r\nHost: x\r\n');
    item.write('GET /items HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopped = t.app.stop();
    await waitFor(() => connectionRefused(url), 'the server to take no new connections');
    await new Promise((resolve) => setTimeout(resolve, 50));
    probe.write('\r\n');
    item.write('\r\n');
    await Promise.all([probe.closed, item.closed]);
    // before: Fastify's own 503 for both, {"error":"Service Unavailable","message":...}, without a code or the report
    expect(parsed(probe.got())).toMatchObject({ status: 503, body: { ready: false, stopping: true } });
    expect(parsed(item.got())).toMatchObject({ status: 503, body: { code: 'STOPPED', error: expect.stringContaining('is stopping') } });
    await stopped;
  });
});

describe('response headers HTTP cannot carry', () => {
  it('are refused where they are set, and the request is answered 500 with the reason', async () => {
    t.app
      .route('/report', () => {
        response.header('content-disposition', 'attachment; filename="отчёт.pdf"');
        return { ok: true };
      })
      .route('/newline', () => response.header('x-note', 'one\r\nset-cookie: a=b').send({ ok: true }))
      .route('/spaced', () => response.header('x note', 'yes').send({ ok: true }))
      .route('/unset', () => response.header('x-note', undefined as unknown as string).send({ ok: true }))
      .route('/chunked', () => response.header('Transfer-Encoding', 'chunked').send({ ok: true }))
      .route('/hello', () => ({ hello: 1 }));
    const url = await start({ timeoutMs: 5_000 });
    const report = await http(`${url}/report`);
    expect(report).toMatchObject({ status: 500, body: { code: 'INVALID_ARGUMENT' } });
    expect((report.body as { error: string }).error).toMatch(/"content-disposition".*percent-encode/);
    expect(report.headers.get('content-disposition')).toBeNull();
    expect(await http(`${url}/newline`)).toMatchObject({ status: 500, body: { code: 'INVALID_ARGUMENT' } });
    expect(await http(`${url}/spaced`)).toMatchObject({ status: 500, body: { code: 'INVALID_ARGUMENT' } });
    expect(await http(`${url}/unset`)).toMatchObject({ status: 500, body: { error: expect.stringMatching(/must be a string/) } });
    // with the server's content-length, a second framing made clients drop the answer
    expect(await http(`${url}/chunked`)).toMatchObject({
      status: 500,
      body: { error: expect.stringMatching(/transfer-encoding.*leave it out/) },
    });
    expect(await http(`${url}/hello`)).toMatchObject({ status: 200, body: { hello: 1 } });
  });

  it('leave the handler’s own error answered when it goes on and throws', async () => {
    t.app.route('/report', () => {
      try {
        response.header('content-disposition', 'attachment; filename="отчёт.pdf"');
      } catch {
        // a handler that does not look at what header() said
      }
      throw new Error('file not ready');
    });
    const url = await start({ timeoutMs: 5_000 });
    expect(await http(`${url}/report`)).toMatchObject({ status: 500, body: { error: 'file not ready', code: 'HANDLER_ERROR' } });
    expect(await http(`${url}/report`)).toMatchObject({ status: 500, body: { error: 'file not ready' } });
  });
});

describe('the headers a handler sets', () => {
  it('never label an error answer: it is JSON whatever content-type the handler chose', async () => {
    t.app
      .route('/page/<id>', (request) => {
        response.header('content-type', 'text/html; charset=utf-8');
        throw new Error(`no page ${request.params.id}`);
      })
      .route('/told/<id>', (request) => response.header('content-type', 'text/html').error(`no page ${request.params.id}`, 404))
      .route('/fine', () => response.header('content-type', 'text/html').send('<p>ok</p>'));
    const url = await start({ timeoutMs: 5_000 });
    const thrown = await http(`${url}/page/%3Cscript%3Ealert(1)%3C%2Fscript%3E`);
    expect(thrown).toMatchObject({ status: 500, body: { error: 'no page <script>alert(1)</script>', code: 'HANDLER_ERROR' } });
    expect(thrown.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const told = await http(`${url}/told/%3Cb%3E`);
    expect(told).toMatchObject({ status: 404, body: { error: 'no page <b>' } });
    expect(told.headers.get('content-type')).toBe('application/json; charset=utf-8');
    // the handler's own answer keeps its type
    const fine = await fetch(`${url}/fine`);
    expect([fine.headers.get('content-type'), await fine.text()]).toEqual(['text/html', '<p>ok</p>']);
  });

  it('send a list of values as the header once per item (several cookies)', async () => {
    t.app.route('/login', () => response.header('set-cookie', ['a=1; Path=/', 'b=2; Path=/']).header('x-count', 2).send({ ok: true }));
    const url = await start();
    const answer = await fetch(`${url}/login`);
    expect(answer.status).toBe(200);
    expect(answer.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(answer.headers.get('x-count')).toBe('2');
  });
});

describe('clients that stall mid-request', () => {
  it('get 408 TIMEOUT and a closed connection past requestTimeoutMs, while a slow handler still answers', async () => {
    t.app.route('/echo', (req) => req.payload, { methods: ['POST'] });
    t.app.route('/slow', () => new Promise((resolve) => setTimeout(() => resolve({ slow: true }), 600)));
    const url = await start({ requestTimeoutMs: 199.5, timeoutMs: 5_000 });
    const partBody = 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":';
    expect(parsed(await sendRaw(url, partBody))).toEqual({
      status: 408,
      body: { error: 'The request was not received whole within 200 ms (requestTimeoutMs).', code: 'TIMEOUT' },
    });
    expect(parsed(await sendRaw(url, 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Ty'))).toMatchObject({ status: 408 });
    // the limit is on receiving the request: a handler may take longer (up to the route's timeoutMs)
    expect(await http(`${url}/slow`)).toMatchObject({ status: 200, body: { slow: true } });
    expect(await http(`${url}/echo`, { method: 'POST', json: { a: 1 } })).toMatchObject({ status: 200, body: { a: 1 } });
  });

  it('get the documented error body for bytes that are not HTTP', async () => {
    const url = await start();
    expect(parsed(await sendRaw(url, 'NOT HTTP AT ALL\r\n\r\n'))).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST' } });
  });

  it('are given 30 s by default, and no limit with 0', () => {
    expect(DEFAULT_HTTP_OPTIONS.requestTimeoutMs).toBe(30_000);
    expect(new DaebusHttp({ requestTimeoutMs: 0 }).options.requestTimeoutMs).toBe(0);
    expect(() => new DaebusHttp({ requestTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('clients that read none of their answer', () => {
  it('have their connection closed past sendTimeoutMs, freeing the answer; a client that reads slowly gets all of it', async () => {
    const big = 'r'.repeat(64 * 1024 * 1024);
    t.app.route('/big', () => ({ big }));
    const url = await start({ sendTimeoutMs: 1_000 });
    const stuck = openRaw(url);
    stuck.socket.pause(); // reads nothing: the answer stays in the server (before: for good, with its connection)
    stuck.socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    // reads 2 MiB, then nothing for 100 ms, and so on: the answer takes about 3 s, three times the
    // timeout (the system takes more of a large write only once the client read a good part of what it holds)
    const slow = openRaw(url);
    let burst = 0;
    slow.socket.on('data', (chunk: Buffer) => {
      burst += chunk.length;
      if (burst < 2 * 1024 * 1024) return;
      burst = 0;
      slow.socket.pause();
      setTimeout(() => slow.socket.resume(), 100);
    });
    slow.socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    const closedLine = /^Closed 1 HTTP connection\(s\) whose client read none of its answer for 1000 ms/;
    await waitFor(() => t.records.some((r) => closedLine.test(r.message)), 'the stalled connection to be closed');
    stuck.socket.resume();
    await stuck.closed;
    expect(stuck.got().length).toBeLessThan(big.length);
    await waitFor(() => slow.got().length > big.length, 'the slow client to read the whole answer', 60_000);
    expect(slow.socket.destroyed).toBe(false);
    expect(t.records.filter((r) => /^Closed \d+ HTTP connection/.test(r.message))).toHaveLength(1);
  });

  it('are given 60 s by default, and no limit with 0', () => {
    expect(DEFAULT_HTTP_OPTIONS.sendTimeoutMs).toBe(60_000);
    expect(new DaebusHttp({ sendTimeoutMs: 0 })).toBeDefined();
    expect(() => new DaebusHttp({ sendTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('requests no route takes', () => {
  it('get 405 with Allow for any method on a served path, TRACE and PROPFIND included', async () => {
    t.app.route('/hello', () => ({ hello: 1 }));
    const url = await start();
    const propfind = await http(`${url}/hello`, { method: 'PROPFIND' });
    expect(propfind).toMatchObject({ status: 405, body: { code: 'METHOD_NOT_ALLOWED', method: 'PROPFIND' } });
    expect(propfind.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    // fetch refuses to send TRACE
    const trace = await new Promise<{ status?: number; allow?: string }>((resolve, reject) =>
      httpRequest(`${url}/hello`, { method: 'TRACE' }, (res) => {
        res.resume();
        resolve({ status: res.statusCode, allow: res.headers.allow as string });
      })
        .on('error', reject)
        .end(),
    );
    expect(trace).toEqual({ status: 405, allow: 'GET, HEAD, OPTIONS' });
    expect(await http(`${url}/missing`, { method: 'PROPFIND' })).toMatchObject({ status: 404, body: { code: 'UNKNOWN_ROUTE' } });
  });

  it('get 426 with the error body for a plain request to the WebSocket endpoint', async () => {
    t.app.socket('echo', (data) => data);
    await t.start({ http: LOCAL, websocket: {} });
    const plain = await http(`${t.app.http.url}/ws`);
    expect(plain).toMatchObject({ status: 426, body: { code: 'BAD_REQUEST', error: expect.stringMatching(/WebSocket endpoint/) } });
    expect(plain.headers.get('upgrade')).toBe('websocket');
  });

  it('read an absolute-form target (a proxy sends one) as its path: request.path is the path routed', async () => {
    t.app.route('/echo', (req) => ({ path: req.path, query: req.query }));
    const url = await start();
    const target = (path: string): string => `GET http://evil.example${path} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`;
    // before: "http://evil.example/echo", though the router matched /echo
    expect(parsed(await sendRaw(url, target('/echo?x=1')))).toEqual({ status: 200, body: { path: '/echo', query: { x: '1' } } });
    expect(parsed(await sendRaw(url, target('/missing')))).toMatchObject({ status: 404, body: { path: '/missing' } });
    expect(parsed(await sendRaw(url, target('//echo')))).toMatchObject({ status: 200, body: { path: '/echo' } });
  });

  // Node 20 has no shouldUpgradeCallback: there, every upgrade leaves HTTP while a WebSocket endpoint listens (404)
  const picksUpgrades =
    typeof (new Server({ shouldUpgradeCallback: () => false } as object) as { shouldUpgradeCallback?: unknown }).shouldUpgradeCallback ===
    'function';
  (picksUpgrades ? it : it.skip)('serve a request offering another upgrade (h2c) as a plain one, beside a WebSocket endpoint', async () => {
    t.app.socket('echo', (data) => data);
    t.app.route('/echo', (req) => ({ got: req.payload }), { methods: ['GET', 'POST'] });
    await t.start({ http: LOCAL, websocket: {} });
    const url = t.app.http.url as string;
    const h2c = 'Connection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n';
    // before: 404 "/echo is not a WebSocket endpoint", and a POST's body dropped unread
    const get = await sendRaw(url, `GET /echo?a=1 HTTP/1.1\r\nHost: x\r\n${h2c}\r\n`);
    expect(parsed(get)).toEqual({ status: 200, body: { got: { a: '1' } } });
    const body = '{"n":1}';
    const post = await sendRaw(
      url,
      `POST /echo HTTP/1.1\r\nHost: x\r\n${h2c}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(parsed(post)).toEqual({ status: 200, body: { got: { n: 1 } } });
    // the WebSocket endpoint still takes its own upgrade
    const client = await TestSocket.connect(t.app.http.websocketUrl as string);
    client.send({ type: 'echo', data: { n: 2 } });
    expect(await client.next()).toMatchObject({ data: { n: 2 } });
    await client.close();
  });

  it.each([
    ['routes only', false],
    ['the WebSocket endpoint on a port of its own', true],
  ])('answer an upgrade request to an HTTP port without a WebSocket endpoint as a plain request, and stop (%s)', async (_, own) => {
    t.app.route('/echo', (req) => ({ got: req.payload }));
    if (own) t.app.socket('echo', (data) => data);
    await t.start({ http: LOCAL, ...(own ? { websocket: { port: 0, host: '127.0.0.1' } } : {}) });
    const url = t.app.http.url as string;
    const upgrades = {
      websocket:
        'Connection: Upgrade, close\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
      h2c: 'Connection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n',
    };
    // before: no answer, the socket held for good, and the stop never ended
    for (const offer of Object.values(upgrades)) {
      expect(parsed(await sendRaw(url, `GET /echo?a=1 HTTP/1.1\r\nHost: x\r\n${offer}\r\n`))).toEqual({
        status: 200,
        body: { got: { a: '1' } },
      });
    }
    const open = await keptOpen(url);
    open.write(`GET /echo?b=2 HTTP/1.1\r\nHost: x\r\n${upgrades.websocket.replace(', close', '')}\r\n`);
    await waitFor(() => open.got().includes('"b":"2"'), 'the answer on a connection kept open');
    await t.app.stop();
    await open.closed;
  });

  it('get 405 on the operations paths and the WebSocket path, and OPTIONS 204, with the methods the app routes there named', async () => {
    t.app.socket('echo', (data) => data);
    t.app.route('/items', () => ({ items: [] })); // the server's own paths are answered beside other routes
    await t.start({ http: LOCAL, websocket: {} });
    const url = t.app.http.url as string;
    for (const path of ['/healthz', '/readyz', '/metrics', '/ws']) {
      const put = await http(`${url}${path}`, { method: 'PUT' });
      expect([path, put.status, put.body]).toEqual([path, 405, expect.objectContaining({ code: 'METHOD_NOT_ALLOWED' })]);
      expect(put.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      const options = await http(`${url}${path}`, { method: 'OPTIONS' });
      expect([path, options.status, options.headers.get('allow')]).toEqual([path, 204, 'GET, HEAD, OPTIONS']);
    }
  });

  it('leave a method the app’s own routes take on those paths to them, and name it in Allow', async () => {
    t.app.route('/<name>', (req) => ({ posted: req.params.name }), { methods: ['POST'] });
    const url = await start();
    expect(await http(`${url}/healthz`, { method: 'POST' })).toMatchObject({ status: 200, body: { posted: 'healthz' } });
    const del = await http(`${url}/healthz`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, POST, HEAD, OPTIONS');
  });

  it('get 405 and OPTIONS answers on a WebSocket server of its own port, on any path', async () => {
    t.app.socket('echo', (data) => data);
    await t.start({ http: false, websocket: { port: 0, host: '127.0.0.1' } });
    const base = (t.app.http.websocketUrl as string).replace(/^ws:/, 'http:');
    const post = await http(`${base}/any/path`, { method: 'POST' });
    expect(post).toMatchObject({
      status: 405,
      body: { error: 'POST is not allowed on the WebSocket server; it takes GET, HEAD, OPTIONS.' },
    });
    expect((await http(`${base}/`, { method: 'OPTIONS' })).status).toBe(204);
  });

  it('take a path parameter longer than 100 characters (Fastify’s default limit answered 414)', async () => {
    t.app.route('/items/<sku>', (req) => ({ sku: req.params.sku }));
    const url = await start();
    const long = 'x'.repeat(5_000);
    expect(await http(`${url}/items/${long}`)).toMatchObject({ status: 200, body: { sku: long } });
  });
});

describe('answers during a stop', () => {
  it('say connection: close from the moment the stop begins, also while WebSocket clients close', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let slowStarted = false;
    t.app
      .route('/r', () => ({ ok: 1 }))
      .route('/slow', async () => {
        slowStarted = true;
        await gate;
        return { ok: 2 };
      });
    t.app.socket('echo', (data) => data);
    const url = await start();
    // a client that does not answer the close at once: the stop waits for it (up to 1 s) before it drains
    const client = await TestSocket.connect(t.app.http.websocketUrl as string);
    client.socket.pause();
    const [partial, probe, busy] = [await keptOpen(url), await keptOpen(url), await keptOpen(url)];
    // connections whose request is on its way in as the stop begins (an idle one is closed at once)
    partial.write('GET /r HTTP/1.1\r\nHost: x\r\n');
    probe.write('GET /readyz HTTP/1.1\r\nHost: x\r\n');
    busy.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => slowStarted, 'the slow request in flight');
    const stopped = t.app.stop();
    await waitFor(() => connectionRefused(url), 'the server to take no new connection: the stop began');
    partial.write('\r\n');
    probe.write('\r\n');
    release();
    await Promise.all([partial.closed, probe.closed, busy.closed]);
    expect(probe.got()).toMatch(/^HTTP\/1\.1 503[^]*connection: close[^]*"stopping":true/i);
    expect(partial.got()).toMatch(/^HTTP\/1\.1 200[^]*connection: close[^]*\{"ok":1\}$/i);
    expect(busy.got()).toMatch(/^HTTP\/1\.1 200[^]*connection: close[^]*\{"ok":2\}$/i);
    client.socket.resume();
    await stopped;
  });
});

describe('a connection that has sent nothing as a stop begins', () => {
  it('is closed at once, not held open until the requests in flight are answered (before: until the close grace ran out after them)', async () => {
    t.remake({ drainTimeoutMs: 60_000 });
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = false;
    t.app.route('/slow', async () => {
      started = true;
      await gate;
      return { ok: 1 };
    });
    const url = await start();
    // as a browser's spare connection, or fetch's after an aborted request
    const unused = await keptOpen(url);
    const busy = await keptOpen(url);
    busy.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => started, 'the slow request in flight');
    const stopped = t.app.stop();
    // the slow request is still held here
    await unused.closed;
    expect(unused.got()).toBe('');
    release();
    await busy.closed;
    expect(busy.got()).toMatch(/^HTTP\/1\.1 200[^]*connection: close[^]*\{"ok":1\}$/i);
    await stopped;
  });
});

describe('a request sent on a new connection as the stop begins', () => {
  it('is answered 503 STOPPED, not cut off unread (the server had not read it yet as the stop began)', async () => {
    t.app.route('/r', () => ({ ok: 1 }));
    const url = await start();
    const fresh = await keptOpen(url);
    // written before the server's event loop turns: the stop begins with it unread
    fresh.write('GET /r HTTP/1.1\r\nHost: x\r\n\r\n');
    const stopped = t.app.stop();
    await fresh.closed;
    expect(fresh.got()).toMatch(/^HTTP\/1\.1 503[^]*"code":"STOPPED"/);
    await stopped;
  });
});

describe('pipelined requests running as a stop begins', () => {
  it('are each answered, in order, and only the last answer closes the connection (before: the first did, and the rest were lost)', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    t.app.route('/p/<i>', async (req) => {
      started += 1;
      await gate;
      return { i: Number(req.params.i) };
    });
    const url = await start();
    const connection = await keptOpen(url);
    connection.write(Array.from({ length: 5 }, (_, i) => `GET /p/${i} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    await waitFor(() => started === 5, 'the five requests running');
    const stopped = t.app.stop();
    await waitFor(() => connectionRefused(url), 'the stop to begin');
    release();
    await connection.closed;
    const answers = connection.got().split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => parsed(a))).toEqual(Array.from({ length: 5 }, (_, i) => ({ status: 200, body: { i } })));
    expect(answers.map((a) => /connection: close/i.test(a))).toEqual([false, false, false, false, true]);
    await stopped;
  });
});

describe('pipelined requests answered behind one still running as a stop begins', () => {
  it('are each answered, in order, and the connection is closed once they are written (before: only the first was)', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let fast = 0;
    t.app.route('/slow', async () => {
      await gate;
      return { i: 'slow' };
    });
    t.app.route('/fast/<i>', (req) => {
      fast += 1;
      return { i: req.params.i };
    });
    const url = await start();
    const connection = await keptOpen(url);
    connection.write(['/slow', '/fast/b', '/fast/c'].map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''));
    await waitFor(() => fast === 2, 'the two fast requests answered, behind the slow one');
    const stopped = t.app.stop();
    await waitFor(() => connectionRefused(url), 'the stop to begin');
    release();
    await connection.closed;
    const answers = connection.got().split(/(?=HTTP\/1\.1 )/);
    expect(answers.map((a) => parsed(a))).toEqual(['slow', 'b', 'c'].map((i) => ({ status: 200, body: { i } })));
    await stopped;
  });
});

describe('a body over bodyLimit', () => {
  const upload = (length: number, extra = ''): string =>
    `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

  it('is answered 413 once the client sent it, so the client reads the answer (no reset under a body still coming)', async () => {
    // the service in a process of its own: in this one the client reads the answer before the reset
    const child = fork(fixture('upload-server.cjs'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(m as number)));
      const body = Buffer.alloc(5 * 1024 * 1024, 'a');
      const outcomes: string[] = [];
      for (let i = 0; i < 10; i++) {
        outcomes.push(
          await new Promise<string>((resolve) => {
            // no agent: the client asks for the connection to be closed after the answer
            const headers = { 'content-type': 'application/json', 'content-length': body.length };
            const req = httpRequest({ host: '127.0.0.1', port, path: '/upload', method: 'POST', agent: false, headers }, (res) => {
              res.resume();
              res.on('end', () => resolve(String(res.statusCode)));
            });
            req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
            req.end(body);
          }),
        );
      }
      expect(outcomes).toEqual(Array(10).fill('413'));
    } finally {
      child.disconnect();
      await exited;
    }
  });

  it('is answered 413 once sent when declared at 8 times the limit', async () => {
    // before: one declared over 4x the limit + 1 MiB was answered at once; the client, still
    // sending, often got EPIPE or a reset
    const child = fork(fixture('upload-server.cjs'), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(m as number)));
      const piece = Buffer.alloc(64 * 1024, 'a');
      const send = (headers: Record<string, string | number>, pieces: number): Promise<string> =>
        new Promise<string>((resolve) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: '/upload', method: 'POST', agent: false, headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(String(res.statusCode)));
          });
          req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
          for (let i = 0; i < pieces; i++) req.write(piece);
          req.end();
        });
      const outcomes: string[] = [];
      for (let i = 0; i < 10; i++)
        outcomes.push(await send({ 'content-type': 'application/json', 'content-length': 128 * piece.length }, 128));
      expect(outcomes).toEqual(Array(10).fill('413'));
    } finally {
      child.disconnect();
      await exited;
    }
  });

  it('declared far over the limit is answered 413 at once, not read to its end', async () => {
    t.app.route('/upload', () => ({ ok: true }), { methods: ['POST'] });
    // a body read to its end would take the client's whole 10 GB, or end in 408 at requestTimeoutMs
    const url = await start({ bodyLimit: 1024, requestTimeoutMs: 3_000 });
    const answer = await sendRaw(url, upload(10 * 1024 * 1024 * 1024, ''), 'a'.repeat(64 * 1024));
    expect(parsed(answer).status).toBe(413);
  });

  it('with Expect: 100-continue is answered 413 before the body, with no 100 Continue', async () => {
    t.app.route('/upload', () => ({ ok: true }), { methods: ['POST'] });
    const url = await start({ bodyLimit: 1024, requestTimeoutMs: 2_000 });
    const answer = await sendRaw(url, upload(4 * 1024 * 1024, 'Expect: 100-continue\r\n'));
    expect(answer).not.toMatch(/100 Continue/);
    expect(parsed(answer)).toEqual({ status: 413, body: { error: 'Request body is too large', code: 'PAYLOAD_TOO_LARGE' } });
    // under the limit the body is asked for, and taken
    const small = await sendRaw(url, `${upload(2, 'Expect: 100-continue\r\nConnection: close\r\n')}{}`);
    expect(small).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  });
});

describe('a client that pipelines requests', () => {
  /** A route that counts how many of its requests run at once, answering each on a later turn. */
  function countingRoute(): { most: () => number; runs: () => number } {
    let now = 0;
    let most = 0;
    let runs = 0;
    t.app.route('/n/<i>', async (req) => {
      now += 1;
      runs += 1;
      most = Math.max(most, now);
      await new Promise((resolve) => setTimeout(resolve, 2));
      now -= 1;
      return { i: Number(req.params.i) };
    });
    return { most: () => most, runs: () => runs };
  }

  it('gets every answer in order, with at most 16 of its requests running at once (before: all of them)', async () => {
    const route = countingRoute();
    const url = await start();
    const requests = Array.from(
      { length: 100 },
      (_, i) => `GET /n/${i} HTTP/1.1\r\nHost: x\r\n${i === 99 ? 'Connection: close\r\n' : ''}\r\n`,
    );
    const answer = await sendRaw(url, requests.join(''));
    const bodies = [...answer.matchAll(/\r\n\r\n(\{[^}]*\})/g)].map((m) => JSON.parse(m[1] as string) as { i: number });
    expect(bodies.map((b) => b.i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(route.most()).toBe(16);
  });

  it('that piles up requests without reading the answers is cut off, and the service goes on', async () => {
    const route = countingRoute();
    const url = await start();
    const { socket, closed } = openRaw(url);
    socket.pause(); // never reads: before, every request ran and its answer was held, until the heap ran out
    socket.write('GET /n/1 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(5_000));
    await closed;
    expect(route.most()).toBe(16);
    expect(route.runs()).toBeLessThanOrEqual(16 + 1_024); // those running, and those waiting when it was cut off
    await waitFor(() => t.records.some((r) => /sent over 1024 requests ahead of their answers/.test(r.message)), 'the warning');
    expect(await http(`${url}/n/7`)).toMatchObject({ status: 200, body: { i: 7 } });
  });
});
