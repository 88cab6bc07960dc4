// A service-wide queue when its Redis restarts without its data (no persistence, a failover):
// the consumer group is gone, and a put makes the stream again without it. A private
// redis-server is killed and started again, empty.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

let server: PrivateRedis;
let service: string;
const apps: Daebus[] = [];

beforeEach(async () => {
  server = await privateRedis();
  service = `queue_restart_${randomUUID()}`;
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  await server.stop();
});

async function replica(logger = captureLogger().logger, more: { retryMs?: number; visibilityTimeoutMs?: number } = {}): Promise<Daebus> {
  const app = new Daebus('queue_restart', { logger });
  app.queue('jobs', { scope: 'service' });
  app.map('stats', { scope: 'service' });
  app.list('events', { scope: 'service', max: 10 });
  apps.push(app);
  const redis = { host: '127.0.0.1', port: server.port, retryStrategy: () => more.retryMs ?? 50 };
  const replicas = more.visibilityTimeoutMs === undefined ? {} : { replicas: { visibilityTimeoutMs: more.visibilityTimeoutMs } };
  await app.start({ service, redis, ...replicas });
  return app;
}

async function restartEmpty(): Promise<void> {
  await server.stop();
  await server.start(); // no --save, no append-only file: it comes back with nothing
}

describe('a service-wide queue after Redis restarts empty', () => {
  it('gives the items put since to the consumers of every replica', async () => {
    const [a, b] = [await replica(), await replica()];
    const qa = a.queue<{ id: number }>('jobs');
    const qb = b.queue<{ id: number }>('jobs');
    await qa.put({ id: 0 });
    await expect(qb.get(0)).resolves.toEqual({ id: 0 }); // both replicas have used the group
    await expect(qa.size()).resolves.toBe(0);
    await restartEmpty();
    await expect(qb.size()).resolves.toBe(0);
    // put before any read: the stream is made again by the put, without a group
    await qa.put({ id: 1 });
    await qa.put({ id: 2 });
    const taken = await Promise.all([qa.get(5_000), qb.get(5_000)]);
    expect(taken.map((job) => job?.id).sort()).toEqual([1, 2]);
    await qb.put({ id: 3 });
    const received = await qa.receive(5_000);
    expect(received).toMatchObject({ item: { id: 3 }, deliveries: 1 });
    await received?.ack();
    await expect(qb.size()).resolves.toBe(0);
  });

  it('counts nothing for the ack of an item Redis lost: join still waits for the items put since', async () => {
    const q = (await replica()).queue<{ id: number }>('jobs');
    await q.put({ id: 0 });
    const lost = await q.receive(0);
    expect(lost).toMatchObject({ item: { id: 0 } });
    await restartEmpty();
    await q.put({ id: 1 });
    await lost?.ack();
    await expect(q.join(0)).resolves.toBe(false);
    await expect(q.get(5_000)).resolves.toEqual({ id: 1 });
    await q.taskDone();
    await expect(q.join(0)).resolves.toBe(true);
  });
});

describe('a service-wide queue during a Redis outage', () => {
  it('rejects get and receive with TRANSPORT_ERROR, and logs its readers lost connection once, never on stderr', async () => {
    const errors = jest.spyOn(console, 'error');
    try {
      const { logger, records } = captureLogger();
      const q = (await replica(logger)).queue<{ id: number }>('jobs');
      await q.put({ id: 0 });
      await expect(q.get(1_000)).resolves.toEqual({ id: 0 });
      // a wait on the empty queue: one reader in the pool (a get that finds its item needs none)
      await expect(q.get(50)).resolves.toBeUndefined();
      const lostNotices = (): number => records.filter((r) => /queue readers lost their connection/.test(String(r.message))).length;
      await server.stop();
      for (const take of [() => q.get(100), () => q.receive(100)]) {
        await expect(take()).rejects.toMatchObject({
          code: 'TRANSPORT_ERROR',
          message: expect.stringMatching(/^queue "jobs" \(service-wide, in Redis\): .*Check that Redis is up/),
        });
      }
      await waitFor(() => lostNotices() > 0, 'the notice of the lost connection');
      await server.start();
      await waitFor(() => records.some((r) => /queue readers are connected to Redis again/.test(String(r.message))), 'the reconnect');
      expect(lostNotices()).toBe(1);
      expect(records.find((r) => /lost their connection/.test(String(r.message)))).toMatchObject({ level: 'warn' });
      const unhandled = errors.mock.calls.filter((args) => args.some((arg) => String(arg).includes('[ioredis] Unhandled error event')));
      expect(unhandled).toEqual([]);
      // and the queue works again (Redis came back empty: the group is made again)
      await q.put({ id: 1 });
      await expect(q.get(5_000)).resolves.toEqual({ id: 1 });
    } finally {
      errors.mockRestore();
    }
  });

  it("fails a map's increment with TRANSPORT_ERROR, not the caller's INVALID_ARGUMENT", async () => {
    const stats = (await replica()).map<unknown>('stats');
    await expect(stats.increment('hits')).resolves.toBe(1);
    await server.stop();
    await expect(stats.increment('hits')).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringContaining('map "stats"'),
    });
    await server.start();
    await stats.set('name', 'not a number');
    await expect(stats.increment('name')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('fails every operation within a short grace while Redis stays down, without waiting out the reconnect tries', async () => {
    // one reconnect try a minute: ioredis would hold each command for twenty of them
    const app = await replica(undefined, { retryMs: 60_000 });
    const [stats, events, jobs] = [app.map<number>('stats'), app.list<string>('events'), app.queue<number>('jobs')];
    await stats.set('a', 1);
    await server.stop();
    // sent before the client saw the server go (in flight), or after (held back): either fails within the grace
    const down = {
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /\(service-wide, in Redis\): the connection to Redis (is down|dropped while the operation was in flight)/,
      ),
    };
    await Promise.all(
      [stats.get('a'), stats.set('b', 2), events.append('x'), jobs.put(1), jobs.get(100)].map((op) =>
        expect(op).rejects.toMatchObject(down),
      ),
    );
  });

  it('fails an operation in flight when Redis goes down, after the grace, not when ioredis would send it again', async () => {
    const app = await replica(undefined, { retryMs: 60_000 });
    const [stats, jobs] = [app.map<number>('stats'), app.queue<number>('jobs')];
    await stats.set('a', 1);
    // the server takes the commands and answers none: they are in flight when it goes down
    const admin = new Redis({ host: '127.0.0.1', port: server.port });
    await admin.call('CLIENT', 'PAUSE', '10000', 'ALL');
    admin.disconnect();
    const inFlight = [stats.get('a'), stats.set('b', 2), jobs.put(1), jobs.get(60_000)];
    inFlight.forEach((op) => op.catch(() => undefined));
    await server.stop();
    // before, each waited for the reconnect (a minute here, and twenty tries' worth by default)
    const dropped = { code: 'TRANSPORT_ERROR', message: expect.stringMatching(/dropped while the operation was in flight/) };
    for (const op of inFlight) await expect(op).rejects.toMatchObject(dropped);
  });

  it('gives back the item that a wait failed in the outage takes with the read ioredis sends again', async () => {
    await server.stop();
    server = await privateRedis(['--appendonly', 'yes', '--appendfsync', 'always']); // its data outlives the restart
    const app = await replica(undefined, { retryMs: 100 });
    const jobs = app.queue<string>('jobs');
    const waiting = jobs.get(10_000);
    waiting.catch(() => undefined);
    const admin = new Redis({ host: '127.0.0.1', port: server.port });
    await waitFor(async () => String(await admin.call('CLIENT', 'LIST')).includes('cmd=xreadgroup'), 'the blocking read');
    admin.disconnect();
    await server.stop();
    await expect(waiting).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await server.start();
    await jobs.put('A');
    // before, the resent read took A for a wait that had failed: A sat unseen until redelivered
    await expect(jobs.get(5_000)).resolves.toBe('A');
  });

  it('keeps its queue upkeep quiet during an outage, and gets back to work after it', async () => {
    const { logger, records } = captureLogger();
    const app = await replica(logger, { visibilityTimeoutMs: 300 });
    const jobs = app.queue<number>('jobs');
    await jobs.put(1);
    const held = await jobs.receive(0); // held here: renewed every 100 ms
    await server.stop();
    // past ioredis's twenty reconnect tries (50 ms each), after which each tick used to fail and warn
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await expect(jobs.size()).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await server.start();
    await waitFor(() => records.some((r) => /connected to Redis again/.test(String(r.message))), 'the reconnect');
    await jobs.put(2);
    await expect(jobs.get(5_000)).resolves.toBe(2);
    expect(held).toMatchObject({ item: 1 });
    expect(records.filter((r) => /upkeep failed/.test(String(r.message)))).toEqual([]);
  });
});

describe('a service-wide queue after Redis restarts with its data', () => {
  it('leaves no read behind of a get that failed as Redis went away, to take an item for no one', async () => {
    // retried every 300 ms: ioredis keeps a command it will send again for 20 retries (at 50 ms, it gave up on it first)
    const app = await replica(undefined, { retryMs: 300 });
    const jobs = app.queue<{ n: number }>('jobs');
    await jobs.put({ n: 0 });
    await expect(jobs.get(0)).resolves.toEqual({ n: 0 }); // the group is made
    const waiting = jobs.get().catch((err: unknown) => err); // no timeout: blocked in Redis
    await new Promise((resolve) => setTimeout(resolve, 300));
    const admin = new Redis(server.url);
    await admin.save(); // the restart loads it
    admin.disconnect();
    await server.stop();
    await expect(waiting).resolves.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await server.start();
    await waitFor(async () => (await jobs.size().catch(() => -1)) === 0, 'the service connected again');
    const check = new Redis(server.url);
    try {
      // before: ioredis sent the failed get's read again after the reconnect, and it took the next item
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(String(await check.client('LIST'))).not.toMatch(/cmd=xreadgroup/);
      await jobs.put({ n: 1 });
      await expect(jobs.receive(5_000)).resolves.toMatchObject({ item: { n: 1 }, deliveries: 1, redelivered: false });
    } finally {
      check.disconnect();
    }
  });
});
