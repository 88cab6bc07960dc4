// A stop while Redis is down: a handler that finished during the drain has a reply that cannot be
// published (the transport holds it and retries until it gives up). Before, that reply held the
// drain open until the publish gave up or drainTimeoutMs passed; now it is let go, with a warning.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger, waitFor, type LogRecord } from '../support/helpers';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

jest.setTimeout(30_000);

let server: PrivateRedis;
const apps: Daebus[] = [];
const callers: DaebusCaller[] = [];

beforeEach(async () => {
  server = await privateRedis();
});
afterEach(async () => {
  await Promise.all(callers.splice(0).map((caller) => caller.close()));
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  await server.stop();
});

/**
 * A service on the private server whose action "slow" runs until `finish()`, with a request of it
 * running (a drain far longer than the test: the stop must not wait for it).
 */
async function slowRequestRunning(name: string, replicas?: object): Promise<{ app: Daebus; records: LogRecord[]; finish: () => void }> {
  const { logger, records } = captureLogger();
  const app = new Daebus(name, { logger, drainTimeoutMs: 600_000 });
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  app.action('slow', async () => {
    started();
    await finished;
    return 'done';
  });
  apps.push(app);
  const service = `${name}_${randomUUID()}`;
  await app.start({ service, redis: server.url, ...(replicas ? { replicas } : {}) });
  const caller = new DaebusCaller(service, { redis: server.url, timeoutMs: 20_000 });
  callers.push(caller);
  caller.sendRequest('slow', {}).catch(() => undefined);
  await running;
  return { app, records, finish };
}

describe('a stop while Redis is down', () => {
  it.each([
    ['a service', undefined],
    ['a replica', {}],
  ])('of %s lets go of a finished request whose reply cannot be published, and says so', async (_, replicas) => {
    const { app, records, finish } = await slowRequestRunning('stop_outage', replicas);
    await server.stop();
    const stopped = app.stop();
    await waitFor(() => records.some((r) => String(r.message).startsWith('Waiting up to 600 s for 1 request')), 'the drain');
    finish();
    await stopped;
    const messages = records.map((r) => String(r.message));
    expect(messages).toContainEqual(
      expect.stringMatching(/^Dropped the replies of 1 finished request\(s\) \(slow\): redis:\/\/.* is unreachable/),
    );
    expect(messages.some((m) => m.startsWith('Gave up on'))).toBe(false);
    // counted as an error: its caller got no answer (before: counted nowhere)
    expect(await app.metrics()).toMatch(/daebus_requests_total\{action="slow",outcome="error"\} 1/);
  });

  it('of a service whose Redis stalls (connected, not answering) lets go of such a reply too, once the stall shows', async () => {
    const { app, records, finish } = await slowRequestRunning('stop_stall');
    const admin = new Redis(server.url);
    try {
      // every command waits, PINGs included, for 8 s (the admin's own UNPAUSE would wait too); the drain is 600 s
      await admin.call('CLIENT', 'PAUSE', '8000', 'ALL');
      const stopped = app.stop();
      await waitFor(() => records.some((r) => String(r.message).startsWith('Waiting up to 600 s for 1 request')), 'the drain');
      finish();
      // before, the reply (held by the stalled connection) held the drain until Redis answered again
      await stopped;
      expect(records.map((r) => String(r.message))).toContainEqual(
        expect.stringMatching(
          /^Dropped the replies of 1 finished request\(s\) \(slow\): redis:\/\/.* does not answer, so they may never be sent/,
        ),
      );
    } finally {
      admin.disconnect();
    }
  });
});

describe('a broadcast while Redis is down', () => {
  it('fails with TRANSPORT_ERROR after the reconnect grace, saying it was not sent; one after Redis is back goes out', async () => {
    const { logger, records } = captureLogger();
    const app = new Daebus('broadcast_outage', { logger });
    apps.push(app);
    await app.start({ service: `broadcast_outage_${randomUUID()}`, redis: server.url });
    await server.stop();
    await waitFor(() => records.some((r) => /connection .*lost|reconnecting/i.test(String(r.message))), 'the outage to show');
    // before: after about 10 s (ioredis's twenty reconnect tries), with ioredis's own message
    await expect(app.broadcast('outage_news', { n: 1 })).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /^The broadcast on "outage_news" was not sent: the connection to redis:\/\/.* is down and did not come back within 2 s\.$/,
      ),
    });
    await server.start();
    await waitFor(() => records.some((r) => /again: service .* takes requests/.test(String(r.message))), 'the connection back', 15_000);
    await expect(app.broadcast('outage_news', { n: 2 })).resolves.toBe(0);
    // stalled, connected: before, a broadcast waited for as long as the stall (a task's run with it, and a stop's drain)
    const admin = new Redis(server.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '8000', 'ALL');
      // sent before the stall shows: it is written, and its answer does not come (before: it waited the whole stall)
      await expect(app.broadcast('outage_news', { n: 3 })).rejects.toMatchObject({
        code: 'TRANSPORT_ERROR',
        message: expect.stringMatching(
          /^The broadcast on "outage_news" got no answer from redis:\/\/.* within 2 s .*it may still reach its receivers/,
        ),
      });
      await waitFor(() => records.some((r) => /has not answered for/.test(String(r.message))), 'the stall to show');
      await expect(app.broadcast('outage_news', { n: 3 })).rejects.toMatchObject({
        code: 'TRANSPORT_ERROR',
        message: expect.stringMatching(
          /^The broadcast on "outage_news" was not sent: redis:\/\/.* is connected but does not answer \(a stall\)/,
        ),
      });
    } finally {
      admin.disconnect();
    }
  });
});
