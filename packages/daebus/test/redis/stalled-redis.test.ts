// A Redis that stalls: its connections stay open and nothing is answered (a server busy in a
// long command, a network path that stops passing packets). A private server runs DEBUG SLEEP,
// which holds every connection at once, blocked reads too.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { http } from '../support/http-client';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

let server: PrivateRedis;
const apps: Daebus[] = [];

beforeAll(async () => {
  server = await privateRedis(['--enable-debug-command', 'yes']);
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

async function service(replicas?: { visibilityTimeoutMs: number }, logger = captureLogger().logger): Promise<Daebus> {
  const app = new Daebus('stalled', { logger });
  app.queue('jobs', { scope: 'service' });
  apps.push(app);
  const http = { host: '127.0.0.1', port: 0 };
  await app.start({ service: `stalled_${randomUUID()}`, redis: server.url, http, ...(replicas ? { replicas } : {}) });
  return app;
}

/** Stall the server for `seconds`; resolves when it answers again. */
async function stall(seconds: number): Promise<{ over: Promise<void>; isOver: () => boolean }> {
  const admin = new Redis(server.url);
  await admin.ping();
  let done = false;
  const over = admin
    .call('DEBUG', 'SLEEP', String(seconds))
    .then(() => admin.quit())
    .then(() => {
      done = true;
    });
  return { over, isOver: () => done };
}

describe('a service-wide queue while Redis stalls', () => {
  it('fails a get or receive with TRANSPORT_ERROR soon after its timeout, not at the end of the stall; it works again after', async () => {
    const app = await service();
    const jobs = app.queue<{ id: number }>('jobs');
    // a blocking read already waiting in Redis, and reads sent during the stall
    const waiting = jobs.receive(300).then(
      () => 'answered',
      (err: unknown) => err,
    );
    const stalled = await stall(4);
    const during = [jobs.get(200), jobs.receive(0)].map((p) =>
      p.then(
        () => 'answered',
        (err: unknown) => err,
      ),
    );
    for (const outcome of [await waiting, ...(await Promise.all(during))]) {
      expect(outcome).toMatchObject({ code: 'TRANSPORT_ERROR', message: expect.stringContaining('Redis did not answer within') });
    }
    // before, each waited for the stall to end (the whole of it, however long)
    expect(stalled.isOver()).toBe(false);
    await stalled.over;
    await jobs.put({ id: 1 });
    const delivery = await jobs.receive(2_000);
    expect(delivery?.item).toEqual({ id: 1 });
    await delivery?.ack();
  });
});

describe('a service-wide queue emptied by waiters while Redis stalls', () => {
  it('loses no item a get took for good after its waiter had been told it failed', async () => {
    // an item whose read Redis ran while its reader was being dropped is delivered again after the visibility timeout
    const app = await service({ visibilityTimeoutMs: 1_000 });
    const jobs = app.queue<{ i: number }>('jobs');
    const total = 3_000;
    for (let i = 0; i < total; i += 500) await Promise.all(Array.from({ length: 500 }, (_, k) => jobs.put({ i: i + k })));
    const got = new Set<number>();
    let running = true;
    const consumer = async (): Promise<void> => {
      while (running) {
        const item = await jobs.get(100).catch(() => undefined);
        if (item !== undefined) got.add(item.i);
      }
    };
    const consumers = Array.from({ length: 20 }, consumer);
    try {
      // stalls while the waiters take items: some are mid-take, between the read and its delete
      for (let s = 0; s < 2; s++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const stalled = await stall(1);
        await stalled.over;
      }
      // before, the items of gets that failed mid-take were deleted all the same: 10-50 of them never came
      await waitFor(() => got.size === total, `all ${total} items delivered`);
    } finally {
      // a failure must not leave the waiters looping on a stopped app
      running = false;
      await Promise.all(consumers);
    }
    expect(await jobs.size()).toBe(0);
  });
});

describe('health while Redis stalls', () => {
  it('turns /readyz 503 with the transport not connected while Redis leaves its PINGs unanswered, and 200 again after; the log says both', async () => {
    const { logger, records } = captureLogger();
    const app = await service(undefined, logger);
    const readyz = async (): Promise<{ status: number; body: unknown }> => http(`${app.http.url as string}/readyz`);
    expect((await readyz()).status).toBe(200);
    const stalled = await stall(6);
    // before, it said ready for the whole stall: the connections stay open and look ready
    await waitFor(async () => (await readyz()).status === 503, 'readyz 503 during the stall');
    expect((await readyz()).body).toMatchObject({ ready: false, status: 'failing', transport: { connected: false } });
    expect(stalled.isOver()).toBe(false);
    // before, the log said nothing of it: only the probe showed why the service was not ready
    await waitFor(() => records.some((r) => r.message.includes('has not answered for')), 'the log to say Redis is silent');
    const silent = records.filter((r) => r.message.includes('has not answered for'));
    expect(silent).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/though connected: service "stalled_.+" reports itself not ready/),
      }),
    ]);
    await stalled.over;
    await waitFor(async () => (await readyz()).status === 200, 'readyz 200 once Redis answers again');
    expect(sampleConnected(await app.metrics())).toBe(1);
    await waitFor(
      () => records.some((r) => r.level === 'info' && /^Redis at .+ answers again after \d/.test(r.message)),
      'the log says Redis answers again',
    );
    expect(records.filter((r) => r.message.includes('has not answered for'))).toHaveLength(1);
  });
});

describe('health while this process, not Redis, is held', () => {
  it('does not log Redis as silent after the event loop was blocked longer than the probe allows', async () => {
    const { logger, records } = captureLogger();
    await service(undefined, logger);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the probe has ticked
    const until = Date.now() + 3_000;
    while (Date.now() < until); // a long synchronous run: the PINGs' answers wait unread in their sockets
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // two more ticks
    // before, the first tick after the block could judge the PINGs unanswered, and say Redis was silent
    expect(records.filter((r) => /has not answered for|answers again after/.test(r.message))).toEqual([]);
  });

  it('does not log Redis as silent when the event loop is held right after a PING went out, its answer unread', async () => {
    const { logger, records } = captureLogger();
    await service(undefined, logger);
    // hold the loop once, in the turn that sends a PING: its answer comes while nothing reads it
    const ping = Redis.prototype.ping;
    let held = false;
    Redis.prototype.ping = function (this: Redis, ...args: unknown[]) {
      const sent = (ping as (...a: unknown[]) => unknown).apply(this, args);
      if (!held) {
        held = true;
        queueMicrotask(() => {
          const until = Date.now() + 3_000;
          while (Date.now() < until);
        });
      }
      return sent;
    } as typeof ping;
    try {
      await waitFor(() => held, 'the probe to send a PING');
      await new Promise((resolve) => setTimeout(resolve, 2_500)); // two more ticks
    } finally {
      Redis.prototype.ping = ping;
    }
    // before, the probe's next tick ran before the answer was read: "has not answered for 3.0 s", then "answers again"
    expect(records.filter((r) => /has not answered for|answers again after/.test(r.message))).toEqual([]);
  });
});

/** `daebus_transport_connected` in the exposition text. */
function sampleConnected(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('daebus_transport_connected '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}
