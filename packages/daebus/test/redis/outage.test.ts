// A caller while its Redis server is down: the timeout counts from the call, a request fails or
// is sent once, and a request that failed is never published later. A private redis-server is
// killed and started again.
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

let server: PrivateRedis;
let app: Daebus;
let handled = 0;
let records: ReturnType<typeof captureLogger>['records'];
const callers: DaebusCaller[] = [];
const warnings: string[] = [];
const onWarning = (warning: Error): void => void warnings.push(warning.name);

beforeEach(async () => {
  server = await privateRedis();
  handled = 0;
  warnings.length = 0;
  process.on('warning', onWarning);
  const captured = captureLogger();
  records = captured.records;
  app = new Daebus('outage', { logger: captured.logger });
  app.action('count', () => ({ handled: ++handled }));
});

afterEach(async () => {
  process.off('warning', onWarning);
  await Promise.all(callers.splice(0).map((c) => c.close()));
  await app.stop();
  await server.stop();
});

async function startService(): Promise<string> {
  const service = `outage_${randomUUID()}`;
  await app.start({ service, redis: { host: '127.0.0.1', port: server.port, retryStrategy: () => 50 } });
  return service;
}

function caller(service: string, options: { offline?: 'fail' | 'queue'; timeoutMs?: number } = {}): DaebusCaller {
  const made = new DaebusCaller(service, { redis: { host: '127.0.0.1', port: server.port, retryStrategy: () => 50 }, ...options });
  callers.push(made);
  return made;
}

/** Call until a request succeeds (the service and the caller are connected again); its reply. */
async function whenServed(c: DaebusCaller): Promise<{ handled: number }> {
  let reply: { handled: number } | undefined;
  await waitFor(async () => {
    reply = (await c.sendRequest('count', {}, { timeoutMs: 1_000 }).catch(() => undefined)) as { handled: number } | undefined;
    return reply !== undefined;
  }, 'a request served after the restart');
  return reply as { handled: number };
}

describe('a caller during a Redis outage', () => {
  it('fails at once by default, never sends the request later, and adds no listener per call', async () => {
    const service = await startService();
    const c = caller(service);
    await expect(c.sendRequest('count')).resolves.toEqual({ handled: 1 });
    await server.stop();
    // the first call may still find the connection up and fail when it drops
    await waitFor(
      async () => (await c.sendRequest('count', {}, { timeoutMs: 2_000 }).catch((e: { code?: string }) => e.code)) === 'TRANSPORT_ERROR',
      'a refusal',
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // ioredis's tries to reconnect (every 50 ms) have failed
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        c.sendRequest('count', {}, { timeoutMs: 2_000 }).catch((e: { code?: string; message: string }) => e),
      ),
    );
    expect(outcomes.every((o) => (o as { code?: string }).code === 'TRANSPORT_ERROR')).toBe(true);
    // before: no word of why (a caller with offline: 'queue' said it)
    expect((outcomes[0] as Error).message).toMatch(/; the request was not sent\. Its last try: .*ECONNREFUSED/);
    // before: a message (no reply) was said to be "the request"
    await expect(c.sendMessage(`${service}.news`, { n: 1 })).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(/; the message was not sent\. Its last try: .*ECONNREFUSED/),
    });
    // before: "the message was not sent", of a question to Redis
    await expect(c.replicas()).rejects.toMatchObject({ message: expect.stringMatching(/; the query was not sent\. Its last try: /) });
    await expect(c.sendMessage(`${service}.news`, [1])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await server.start();
    // only the calls made while connected ran: 1 before, and this one
    expect(await whenServed(c)).toEqual({ handled: 2 });
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('tells a request lost in flight (sent: it may have run) from one refused (not sent)', async () => {
    let held: (() => void) | undefined;
    app.action('hold', () => new Promise<void>((resolve) => (held = resolve)));
    const service = await startService();
    const c = caller(service);
    const inFlight = c.sendRequest('hold', {}, { timeoutMs: 20_000 }).catch((e: unknown) => e);
    await waitFor(() => held !== undefined, 'the request running');
    await server.stop();
    // before: both the same TRANSPORT_ERROR, and `daebus ping` could not tell a ping lost from one never sent
    expect(await inFlight).toMatchObject({ code: 'TRANSPORT_ERROR', details: { sent: true } });
    const refused = (await c.sendRequest('count', {}, { timeoutMs: 2_000 }).catch((e: unknown) => e)) as { code: string; details?: object };
    expect(refused.code).toBe('TRANSPORT_ERROR');
    expect(refused.details).toBeUndefined();
    held?.();
  });

  it('with offline: queue, a call times out within its timeout and is not sent when the server comes back', async () => {
    const service = await startService();
    const c = caller(service, { offline: 'queue' });
    await expect(c.sendRequest('count')).resolves.toEqual({ handled: 1 });
    await server.stop();
    await waitFor(
      async () => (await c.sendRequest('count', {}, { timeoutMs: 300 }).catch((e: { code?: string }) => e.code)) === 'TIMEOUT',
      'a first timeout',
    );
    // before: only "the transport did not connect within 300 ms" once the caller had connected before
    await expect(c.sendRequest('count', {}, { timeoutMs: 300 })).rejects.toMatchObject({
      message: expect.stringMatching(/did not connect within 300 ms\. Its last try: .*ECONNREFUSED/),
    });
    let restarted = false;
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, () =>
        c.sendRequest('count', {}, { timeoutMs: 1_000 }).then(
          () => ({ code: 'ANSWERED', restarted }),
          (e: { code?: string }) => ({ code: e.code, restarted }),
        ),
      ),
    );
    // every call settled by its own timeout, while the server was still down
    expect(outcomes).toEqual(Array.from({ length: 12 }, () => ({ code: 'TIMEOUT', restarted: false })));
    await server.start();
    restarted = true;
    expect(await whenServed(c)).toEqual({ handled: 2 });
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('with offline: queue, a call that timed out as the caller could not connect says why its last try failed', async () => {
    const service = await startService();
    await server.stop();
    const c = caller(service, { offline: 'queue', timeoutMs: 500 });
    // before: only "the transport did not connect within 500 ms"
    await expect(c.sendRequest('count', {}, { timeoutMs: 500 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringMatching(/did not connect within 500 ms\. Its last try: Could not connect to Redis at .*ECONNREFUSED/),
    });
    const sentAt = Date.now();
    await expect(c.sendMessage(`${service}.news`, { n: 1 })).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /within 500 ms; the message was not sent\. Its last try: Could not connect to Redis at .*ECONNREFUSED/,
      ),
    });
    // before: it gave up 250 ms early, for want of time for another try
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(500);
    // a caller that fails at once, made while Redis is down: before, its refusals did not say that nothing was sent
    const failing = caller(service);
    await expect(failing.sendMessage(`${service}.news`, { n: 1 })).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(/^Could not connect to Redis at .*ECONNREFUSED.* The message was not sent\.$/s),
    });
    await expect(failing.sendRequest('count')).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(/^Could not connect to Redis at .*ECONNREFUSED.* The request was not sent\.$/s),
    });
    await server.start();
    expect(await whenServed(c)).toEqual({ handled: 1 });
  });

  it('with offline: queue, a call made during a short outage is sent once the server is back', async () => {
    const service = await startService();
    const c = caller(service, { offline: 'queue' });
    await expect(c.sendRequest('count')).resolves.toEqual({ handled: 1 });
    await server.stop();
    await waitFor(
      async () => (await c.sendRequest('count', {}, { timeoutMs: 300 }).catch((e: { code?: string }) => e.code)) === 'TIMEOUT',
      'a first timeout',
    );
    const queued = c.sendRequest('count', {}, { timeoutMs: 20_000 });
    await server.start();
    await expect(queued).resolves.toEqual({ handled: 2 });
    await expect(c.sendRequest('count')).resolves.toEqual({ handled: 3 });
  });
});

describe('a service during a Redis outage', () => {
  it('says in its log, once, that the connection dropped, and again when it is back', async () => {
    const service = await startService();
    const c = caller(service);
    await server.stop();
    const lost = (): string[] => records.filter((r) => r.level === 'warn' && /was lost/.test(r.message)).map((r) => r.message);
    await waitFor(() => lost().length > 0, 'the warning of the drop');
    expect(lost()[0]).toMatch(/gets no requests until it is back/);
    await server.start();
    await whenServed(c);
    await waitFor(() => records.some((r) => r.level === 'info' && /again: service .* takes requests/.test(r.message)), 'the notice');
    expect(lost()).toHaveLength(1);
  });
});

describe('a start waiting for Redis', () => {
  it('says so at its first try, then once in ten tries (before: a line a second)', async () => {
    await server.stop();
    const records = captureLogger();
    const waiting = new Daebus('outage_lines', { logger: records.logger });
    const starting = waiting.start({ service: `outage_${randomUUID()}`, redis: server.url, connectTimeoutMs: 4_500 });
    await expect(starting).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    const lines = records.records.filter((r) => String(r.message).startsWith('Waiting for the transport'));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.message).toMatch(/\(try 1, trying every 1 s; giving up in \d+ s\)$/);
    await server.start();
  });
});

describe('a start given connectTimeoutMs', () => {
  it('tries until that time has passed, as its log says, not up to a second less', async () => {
    await server.stop();
    const records = captureLogger();
    const waiting = new Daebus('outage_deadline', { logger: records.logger });
    const began = Date.now();
    const starting = waiting.start({ service: `outage_${randomUUID()}`, redis: server.url, connectTimeoutMs: 2_500 });
    await expect(starting).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    // a lower bound, not a speed: before, the start gave up once less than a retry's second was left (about 2.0 s here)
    expect(Date.now() - began).toBeGreaterThanOrEqual(2_500);
    await server.start();
  });
});

describe('a stop while the service waits for Redis at start', () => {
  it('ends the start (STOPPED), and the service does not come up when Redis does', async () => {
    await server.stop();
    const records = captureLogger();
    const waiting = new Daebus('outage_wait', { logger: records.logger });
    waiting.thread('worker', async (running, t) => {
      while (running()) await t.sleep(20);
    });
    const starting = waiting.start({ service: `outage_${randomUUID()}`, redis: server.url, connectTimeoutMs: 60_000 });
    await waitFor(() => records.records.some((r) => String(r.message).startsWith('Waiting for the transport')), 'the wait');
    const stopping = waiting.stop();
    await expect(starting).rejects.toMatchObject({ code: 'STOPPED' });
    await stopping;
    // before, the log ended at the wait's last line
    expect(records.records.filter((r) => String(r.message).includes('stopped while it was connecting to'))).toHaveLength(1);
    // Redis comes up after the stop: before, the start went on, connected, and ran the service
    await server.start();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(waiting.threads.worker?.state).toBe('stopped');
    expect(records.records.some((r) => String(r.message).includes('listening on'))).toBe(false);
  });

  it('cuts short a connect that a server which never answers holds, and says the service stopped', async () => {
    // a server that takes the connection and never answers: the connect waits for its whole timeout
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const connected = new Promise<void>((resolve) => silent.once('connection', () => resolve()));
    const records = captureLogger();
    const waiting = new Daebus('outage_wait', { logger: records.logger });
    const port = (silent.address() as AddressInfo).port;
    // a timeout longer than the test's: before, the stop waited for it
    const starting = waiting.start({ service: `outage_${randomUUID()}`, redis: { host: '127.0.0.1', port, connectTimeout: 600_000 } });
    await connected;
    await waiting.stop();
    await expect(starting).rejects.toMatchObject({ code: 'STOPPED' });
    expect(records.records.map((r) => r.message)).toEqual([
      `Service "${waiting.service}" stopped while it was connecting to redis://127.0.0.1:${port}; no action or thread had run`,
    ]);
    silent.close();
  });
});

describe('a stop while Redis is down and a request runs', () => {
  it('ends without waiting for Redis to take the STOPPED reply (before: until ioredis gave up resending it)', async () => {
    const { logger, records: lines } = captureLogger();
    const service = `outage_${randomUUID()}`;
    const stuck = new Daebus('outage', { logger, drainTimeoutMs: 300 });
    let began: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (began = resolve));
    stuck.action('stuck', () => {
      began();
      return new Promise(() => undefined);
    });
    // one reconnect try a minute: ioredis holds a command for twenty of them (about 10 s with its default tries)
    await stuck.start({ service, redis: { host: '127.0.0.1', port: server.port, retryStrategy: () => 60_000 } });
    caller(service)
      .sendRequest('stuck', {}, { timeoutMs: 60_000 })
      .catch(() => undefined);
    await running;
    await server.stop();
    await stuck.stop();
    expect(lines.filter((r) => /Gave up on 1 request/.test(r.message))).toHaveLength(1);
  });
});
