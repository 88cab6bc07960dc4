// Prometheus metrics and the health endpoints, read the way an operator's scraper reads them:
// app.metrics() and the real HTTP server's /metrics, /healthz and /readyz, while threads crash,
// stall and recover.
import { createConnection } from 'node:net';
import { Counter } from 'prom-client';
import { fixture, waitFor } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';
import { http, TestSocket } from '../support/http-client';

const t = appPerTest('metrics', { drainTimeoutMs: 1_000 });
const LOCAL = { host: '127.0.0.1', port: 0 };

/** The value of one sample (`name{labels} value`) in the exposition text, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

async function scrape(): Promise<string> {
  const answer = await http(`${t.app.http.url}/metrics`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toContain('text/plain');
  return answer.text;
}

describe('metrics', () => {
  it('counts requests by action and outcome, with a duration histogram; refusals by code', async () => {
    t.app.action('ok', () => ({ fine: true }));
    t.app.action('fails', () => {
      throw new Error('nope');
    });
    await t.start();
    const caller = t.caller();
    for (let i = 0; i < 3; i++) await caller.sendRequest('ok');
    await caller.sendRequest('fails').catch(() => undefined);
    await caller.sendRequest('missing').catch(() => undefined);
    // prom-client counts the user CPU used since the app's registry was made, which the kernel
    // accounts a tick at a time: a few quick requests can leave it at 0, so use some for sure
    const cpuBefore = process.cpuUsage().user;
    while (process.cpuUsage().user - cpuBefore < 50_000);
    const text = await t.app.metrics();
    expect(sample(text, 'daebus_requests_total', { action: 'ok', outcome: 'ok' })).toBe(3);
    expect(sample(text, 'daebus_requests_total', { action: 'fails', outcome: 'error' })).toBe(1);
    expect(sample(text, 'daebus_action_duration_seconds_count', { action: 'ok', outcome: 'ok' })).toBe(3);
    expect(sample(text, 'daebus_action_duration_seconds_bucket', { action: 'ok', outcome: 'ok', le: '+Inf' })).toBe(3);
    // buckets up to a pooled action's default timeout (before: the last was 10 s, so slower requests counted only in +Inf)
    expect(sample(text, 'daebus_action_duration_seconds_bucket', { action: 'ok', outcome: 'ok', le: '60' })).toBe(3);
    expect(sample(text, 'daebus_action_duration_seconds_bucket', { action: 'ok', outcome: 'ok', le: '30' })).toBe(3);
    expect(sample(text, 'daebus_requests_rejected_total', { code: 'UNKNOWN_ACTION' })).toBe(1);
    expect(sample(text, 'daebus_info', { service: t.service })).toBe(1);
    expect(sample(text, 'daebus_transport_connected')).toBe(1);
    // Node's default metrics, among them the main event loop's lag
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts a reply that cannot be encoded as an error; the first scrape has real event-loop figures and every thread from 0', async () => {
    t.app.action('bigint', () => ({ n: 10n }));
    t.app.thread('steady', fixture('sleeper.mjs'));
    await t.start();
    const caller = t.caller();
    await expect(caller.sendRequest('bigint')).rejects.toMatchObject({ details: expect.objectContaining({ remoteCode: 'BAD_RESPONSE' }) });
    const text = await t.app.metrics();
    // before, the caller's BAD_RESPONSE was counted ok
    expect(sample(text, 'daebus_requests_total', { action: 'bigint', outcome: 'error' })).toBe(1);
    expect(sample(text, 'daebus_requests_total', { action: 'bigint', outcome: 'ok' })).toBeUndefined();
    // before, an empty histogram: min 9223372036.85 s (292 years), mean NaN
    expect(sample(text, 'nodejs_eventloop_lag_min_seconds')).toBeLessThan(60);
    expect(sample(text, 'nodejs_eventloop_lag_mean_seconds')).not.toBeNaN();
    // before, a thread had no sample until its first restart or stall
    expect(sample(text, 'daebus_thread_restarts_total', { thread: 'steady' })).toBe(0);
    expect(sample(text, 'daebus_thread_stalls_total', { thread: 'steady' })).toBe(0);
  });

  it("counts the process's CPU since it started, not since the first scrape", async () => {
    await t.start();
    const before = process.cpuUsage();
    const text = await t.app.metrics();
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(before.user / 1e6);
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThanOrEqual((before.user + before.system) / 1e6);
  });

  it('counts a BUSY turn-away as outcome busy, and shows queue depths', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    t.app.action('slow', () => gate, { concurrency: 1, maxQueued: 0 });
    const jobs = t.app.queue('jobs');
    await t.start();
    await jobs.put(1);
    await jobs.put(2);
    const caller = t.caller();
    const first = caller.sendRequest('slow');
    // requests arrive in order: the first holds the only slot, the second is turned away
    await expect(caller.sendRequest('slow')).rejects.toMatchObject({ details: { remoteCode: 'BUSY' } });
    const text = await t.app.metrics();
    expect(sample(text, 'daebus_requests_total', { action: 'slow', outcome: 'busy' })).toBe(1);
    expect(sample(text, 'daebus_queue_depth', { queue: 'jobs' })).toBe(2);
    expect(sample(text, 'daebus_action_duration_seconds_count', { action: 'slow', outcome: 'busy' })).toBeUndefined();
    release();
    await first;
  });

  it("shows each action's requests running and waiting for a slot (before: nothing showed a backlog of an action)", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    t.app.action(
      'slow',
      () => {
        started += 1;
        return gate;
      },
      { concurrency: 1 },
    );
    t.app.action('idle', () => ({}));
    await t.start();
    const caller = t.caller();
    const calls = [1, 2, 3].map(() => caller.sendRequest('slow'));
    await waitFor(() => started === 1, 'the first running');
    // the two others wait in the action's queue, never reaching a handler
    await waitFor(async () => sample(await t.app.metrics(), 'daebus_action_queued', { action: 'slow' }) === 2, 'two waiting');
    const text = await t.app.metrics();
    expect(sample(text, 'daebus_action_running', { action: 'slow' })).toBe(1);
    expect(sample(text, 'daebus_action_running', { action: 'idle' })).toBe(0);
    expect(sample(text, 'daebus_action_queued', { action: 'idle' })).toBe(0);
    expect(text).not.toMatch(/daebus_action_(running|queued)\{action="daebus\./);
    release();
    await Promise.all(calls);
  });

  it("counts each background task's runs and failures, which its lastError alone loses once a run succeeds", async () => {
    let n = 0;
    // fails on its 1st and 3rd runs
    const task = t.app.background('flaky', 0.01, () => {
      n += 1;
      if (n % 2 === 1) throw new Error(`run ${n} failed`);
    });
    await t.start();
    await waitFor(() => task.runs >= 4, 'four runs');
    await t.app.stop();
    const text = await t.app.metrics();
    expect(sample(text, 'daebus_task_runs_total', { task: 'flaky' })).toBe(task.runs);
    expect(sample(text, 'daebus_task_failures_total', { task: 'flaky' })).toBe(Math.ceil(task.runs / 2));
    expect(task.info()).toMatchObject({ runs: task.runs, failures: Math.ceil(task.runs / 2) });
  });

  it("serves the service's own metrics registered in app.metricsRegistry on /metrics, with daebus's", async () => {
    const orders = new Counter({ name: 'shop_orders_total', help: 'Orders taken.', registers: [t.app.metricsRegistry] });
    t.app.action('order', () => void orders.inc());
    await t.start({ http: LOCAL });
    await Promise.all([1, 2, 3].map(() => t.caller().sendRequest('order')));
    const text = (await http(`${t.app.http.url as string}/metrics`)).text;
    expect(sample(text, 'shop_orders_total')).toBe(3);
    expect(sample(text, 'daebus_requests_total', { action: 'order', outcome: 'ok' })).toBe(3);
  });

  it('gives two scrapes at once the same text, read once: the second read of the event loop delay found it just emptied', async () => {
    await t.start();
    const [first, second] = await Promise.all([t.app.metrics(), t.app.metrics()]);
    // before: the second said min 292 years and mean NaN, as the histogram the first had read was empty
    expect(second).toBe(first);
  });

  it('is off with metrics: false: app.metrics() says so and /metrics is not served, /readyz still is', async () => {
    t.remake({ metrics: false });
    await t.start({ http: LOCAL });
    await expect(t.app.metrics()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(() => t.app.metricsRegistry).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }));
    expect((await http(`${t.app.http.url}/metrics`)).status).toBe(404);
    expect((await http(`${t.app.http.url}/readyz`)).status).toBe(200);
  });

  it('checks the option', () => {
    expect(() => t.remake({ metrics: 'yes' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('the health endpoints and /metrics on the HTTP server', () => {
  it('during a crash loop: restarts count up, the state turns failed, /readyz turns 503; /healthz stays 200', async () => {
    t.app.thread('dies', fixture('throws.mjs'), { initialDelayMs: 20, maxDelayMs: 20, jitter: 0, maxRestarts: 3 });
    await t.start({ http: LOCAL });
    const url = t.app.http.url as string;
    const seen: number[] = [];
    await waitFor(async () => {
      const text = await scrape();
      seen.push(sample(text, 'daebus_thread_restarts_total', { thread: 'dies' }) ?? 0);
      return sample(text, 'daebus_thread_state', { thread: 'dies', state: 'failed' }) === 1;
    }, 'the thread to fail');
    expect(seen.at(-1)).toBe(3);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen); // never counts down
    const text = await scrape();
    expect(sample(text, 'daebus_thread_up', { thread: 'dies' })).toBe(0);
    expect(sample(text, 'daebus_ready')).toBe(0);
    const ready = await http(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'failing', ready: false, threads: { failed: ['dies'] } });
    const live = await http(`${url}/healthz`);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ status: 'alive', pid: process.pid });
  });

  it('during a stall: stalled 1 and /readyz 503 while it lasts, back to 0 and 200 after', async () => {
    t.app.thread('blocks', fixture('blocks.mjs'), { stallTimeoutMs: 200, workerData: { ms: 1_500 } });
    await t.start({ http: LOCAL });
    const url = t.app.http.url as string;
    expect((await http(`${url}/readyz`)).status).toBe(200);
    await waitFor(async () => sample(await scrape(), 'daebus_thread_stalled', { thread: 'blocks' }) === 1, 'the stall in /metrics');
    const during = await http(`${url}/readyz`);
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ status: 'degraded', threads: { stalled: ['blocks'] } });
    const text = await scrape();
    expect(sample(text, 'daebus_thread_stalls_total', { thread: 'blocks' })).toBe(1);
    expect(sample(text, 'daebus_thread_event_loop_utilization', { thread: 'blocks' })).toBeGreaterThan(0.5);
    await waitFor(async () => sample(await scrape(), 'daebus_thread_stalled', { thread: 'blocks' }) === 0, 'the end of the stall');
    expect((await http(`${url}/readyz`)).status).toBe(200);
    expect(sample(await scrape(), 'daebus_thread_heap_used_bytes', { thread: 'blocks' })).toBeGreaterThan(0);
  });

  it('counts a request a stop gave up on (answered STOPPED) as an error, once, also when its handler ends later', async () => {
    let finish: ((value: string) => void) | undefined;
    t.app.action('hangs', () => new Promise<string>((resolve) => (finish = resolve)));
    await t.start();
    const answer = t
      .caller()
      .sendRequest('hangs')
      .catch((err: unknown) => err);
    await waitFor(() => finish !== undefined, 'the handler running');
    await t.app.stop(); // drainTimeoutMs 1 s: it is given up on
    expect(await answer).toMatchObject({ details: { remoteCode: 'STOPPED' } });
    // before: not counted until its handler ended, which in a process that exits is never
    expect(sample(await t.app.metrics(), 'daebus_requests_total', { action: 'hangs', outcome: 'error' })).toBe(1);
    finish?.('late');
    // past the 30 ms in which a scrape gets the last one's text
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = await t.app.metrics();
    expect(sample(text, 'daebus_requests_total', { action: 'hangs', outcome: 'error' })).toBe(1);
    expect(sample(text, 'daebus_requests_total', { action: 'hangs', outcome: 'ok' })).toBeUndefined();
  });

  it('counts the HTTP answers given before a route could be looked for: a malformed URL (400), headers too large (431), a body announced too large (413)', async () => {
    t.app.route('/items/<id>', (req) => ({ id: req.params.id }));
    await t.start({ http: { ...LOCAL, bodyLimit: 1024 } });
    const url = t.app.http.url as string;
    expect((await http(`${url}/items/%E0%A4%A`)).status).toBe(400);
    const { hostname, port } = new URL(url);
    const answer = await new Promise<string>((resolve, reject) => {
      let got = '';
      const socket = createConnection(Number(port), hostname, () => {
        socket.write(`GET /items/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      });
      socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    // with Expect: 100-continue, refused before the body is sent (curl sends that header with a large body)
    const refused = await new Promise<string>((resolve, reject) => {
      let got = '';
      const socket = createConnection(Number(port), hostname, () => {
        socket.write(`POST /items/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\nExpect: 100-continue\r\n\r\n`);
      });
      socket.on('data', (chunk: Buffer) => (got += chunk.toString()));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
    });
    expect(refused).toMatch(/^HTTP\/1\.1 413 /);
    const text = await scrape();
    const answers = (labels: Record<string, string>) => sample(text, 'daebus_http_request_duration_seconds_count', labels);
    // before: none was counted (the 413 since the 400 and 431 were)
    expect(answers({ method: 'GET', route: '(unmatched)', status: '400' })).toBe(1);
    expect(answers({ method: '(not parsed)', route: '(unmatched)', status: '431' })).toBe(1);
    expect(answers({ method: 'POST', route: '(unmatched)', status: '413' })).toBe(1);
  });

  it('counts HTTP answers by method, route as written and status; WebSocket connections, clients and messages', async () => {
    t.app.route('/orders/<id>', (req) => ({ id: req.params.id }));
    t.app.route('/boom', () => {
      throw new Error('boom');
    });
    t.app.socket('connect', (data: { query: Record<string, string> }) => {
      if (data.query.refuse) throw new Error('not you');
    });
    t.app.socket('echo', (data) => data);
    t.app.socket('fails', () => {
      throw new Error('nope');
    });
    await t.start({ http: LOCAL, websocket: { maxClients: 2 } });
    const url = t.app.http.url as string;
    for (const id of ['1', '2', '3']) expect((await http(`${url}/orders/${id}`)).status).toBe(200);
    expect((await http(`${url}/boom`)).status).toBe(500);
    expect((await http(`${url}/orders/1`, { method: 'DELETE' })).status).toBe(405);
    // every path nobody routes is one series, not one per path
    for (const path of ['/a', '/b/c']) expect((await http(`${url}${path}`)).status).toBe(404);
    const ws = t.app.http.websocketUrl as string;
    const one = await TestSocket.connect(ws);
    const two = await TestSocket.connect(ws);
    await expect(one.ask({ type: 'echo', data: 1, id: 1 })).resolves.toMatchObject({ type: 'response' });
    await expect(one.ask({ type: 'fails', id: 2 })).resolves.toMatchObject({ type: 'error' });
    await expect(one.ask({ type: 'nobody', id: 3 })).resolves.toMatchObject({ code: 'NO_HANDLER' });
    await expect(one.ask({ type: 'connect', id: 4 })).resolves.toMatchObject({ code: 'NO_HANDLER' });
    // past maxClients, and one the connect handler refuses
    expect((await (await TestSocket.connect(ws)).closed).code).toBe(1013);
    await two.close();
    expect((await (await TestSocket.connect(`${ws}?refuse=1`)).closed).code).toBe(1008);
    const text = await scrape();
    const answers = (labels: Record<string, string>) => sample(text, 'daebus_http_request_duration_seconds_count', labels);
    expect(answers({ method: 'GET', route: '/orders/:id', status: '200' })).toBe(3);
    expect(answers({ method: 'GET', route: '/boom', status: '500' })).toBe(1);
    expect(answers({ method: 'DELETE', route: '/orders/:id', status: '405' })).toBe(1);
    expect(answers({ method: 'GET', route: '(unmatched)', status: '404' })).toBe(2);
    expect(sample(text, 'daebus_http_request_duration_seconds_bucket', { route: '/boom', le: '+Inf' })).toBe(1);
    expect(sample(text, 'daebus_websocket_connections_total', { outcome: 'accepted' })).toBe(2);
    expect(sample(text, 'daebus_websocket_connections_total', { outcome: 'refused' })).toBe(2);
    expect(sample(text, 'daebus_websocket_clients')).toBe(1);
    const messages = (labels: Record<string, string>) => sample(text, 'daebus_websocket_message_duration_seconds_count', labels);
    expect(messages({ type: 'echo', outcome: 'ok' })).toBe(1);
    expect(messages({ type: 'fails', outcome: 'error' })).toBe(1);
    expect(messages({ type: '(unmatched)', outcome: 'error' })).toBe(2);
    await one.close();
  });

  /** A scrape after the stop (past the 30 ms in which a scrape answers with the last one's text), and its WebSocket message counts. */
  async function socketMessageCounts(): Promise<{ text: string; messages: (labels: Record<string, string>) => number | undefined }> {
    await new Promise((r) => setTimeout(r, 50));
    const text = await t.app.metrics();
    return { text, messages: (labels) => sample(text, 'daebus_websocket_message_duration_seconds_count', labels) };
  }

  it('counts WebSocket messages refused during a stop under their handler, or (unmatched): a client cannot add labels', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((r) => (entered = r));
    t.app.socket('slow', async () => {
      entered();
      await held;
      return 'done';
    });
    t.app.socket('echo', (data) => data);
    await t.start({ http: LOCAL });
    const client = await TestSocket.connect(t.app.http.websocketUrl as string);
    const slow = client.ask({ type: 'slow', id: 0 }); // holds the stop's drain
    await inside;
    // queued behind the slow one (a client's messages run one at a time): refused as they come up during the stop
    const refused = Promise.all(['echo', 'rnd-1', 'rnd-2', 'rnd-3'].map((type, i) => client.ask({ type, id: i + 1 })));
    await waitFor(async () => (await t.app.websocket.clients())[0]?.messagesReceived === 5, 'the messages to arrive');
    const stopping = t.app.stop();
    await waitFor(async () => (await t.app.metrics()).includes('daebus_ready 0'), 'the stop to begin');
    release();
    await expect(slow).resolves.toMatchObject({ type: 'response', data: 'done' });
    expect((await refused).map((f) => (f as { code?: string }).code)).toEqual(['STOPPED', 'STOPPED', 'STOPPED', 'STOPPED']);
    await stopping;
    const { text, messages } = await socketMessageCounts();
    expect(messages({ type: 'echo', outcome: 'error' })).toBe(1);
    expect(messages({ type: '(unmatched)', outcome: 'error' })).toBe(3);
    // before: one series per type a client sent during the stop
    expect(text).not.toContain('rnd-');
  });

  it('counts the WebSocket message a stop gave up on, and those queued behind it, as errors', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    t.app.socket('slow', () => held.then(() => 'late'));
    t.app.socket('echo', (data) => data);
    await t.start({ http: LOCAL });
    const client = await TestSocket.connect(t.app.http.websocketUrl as string);
    const slow = client.ask({ type: 'slow', id: 0 }); // runs past the drain's 1 s
    const refused = Promise.all(['echo', 'rnd-x'].map((type, i) => client.ask({ type, id: i + 1 })));
    await waitFor(async () => (await t.app.websocket.clients())[0]?.messagesReceived === 3, 'the messages to arrive');
    await t.app.stop();
    expect(await slow).toMatchObject({ code: 'STOPPED' });
    expect((await refused).map((f) => (f as { code?: string }).code)).toEqual(['STOPPED', 'STOPPED']);
    release();
    const { text, messages } = await socketMessageCounts();
    // before: neither was counted, and the one given up on counted "ok" once its handler ended
    expect(messages({ type: 'echo', outcome: 'error' })).toBe(1);
    expect(messages({ type: '(unmatched)', outcome: 'error' })).toBe(1);
    expect(messages({ type: 'slow', outcome: 'error' })).toBe(1);
    expect(messages({ type: 'slow', outcome: 'ok' })).toBeUndefined();
    expect(text).not.toContain('rnd-');
  });

  it('a route of the app on /healthz takes that path; ops: false serves none of them', async () => {
    t.app.route('/healthz', () => ({ mine: true }));
    await t.start({ http: LOCAL });
    expect((await http(`${t.app.http.url}/healthz`)).body).toEqual({ mine: true });
    expect((await http(`${t.app.http.url}/readyz`)).status).toBe(200);
    await t.app.stop();
    await t.start({ http: { ...LOCAL, ops: false } });
    expect((await http(`${t.app.http.url}/readyz`)).status).toBe(404);
    expect((await http(`${t.app.http.url}/metrics`)).status).toBe(404);
  });
});
