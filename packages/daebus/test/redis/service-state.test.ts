// Service-wide structures ({ scope: 'service' }): in Redis, one per service, the same API from
// actions, threads and pooled handlers; two apps on one service stand for two replicas.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger, fixture, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

let service: string;
let apps: Daebus[];

function replica(register: (app: Daebus) => void = () => undefined): Daebus {
  const app = new Daebus('shared', { logger: captureLogger().logger });
  app.map('stats', { scope: 'service' });
  app.list('recent', { scope: 'service', max: 3 });
  app.list('all', { scope: 'service' });
  app.queue('jobs', { scope: 'service' });
  register(app);
  apps.push(app);
  return app;
}

beforeEach(() => {
  service = `shared_${randomUUID()}`;
  apps = [];
});
afterEach(async () => {
  await Promise.all(apps.map((app) => app.stop()));
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`daebus:{${service}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const start = (app: Daebus): Promise<void> => app.start({ service, redis: TEST_REDIS_URL });

describe('service-wide structures', () => {
  it('are shared by the replicas of a service: maps (atomic increment, merge), capped lists', async () => {
    const [a, b] = [replica(), replica()];
    await start(a as Daebus);
    await start(b as Daebus);
    const ma = (a as Daebus).map<unknown>('stats');
    const mb = (b as Daebus).map<unknown>('stats');
    await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? ma : mb).increment('hits')));
    expect(await mb.get('hits')).toBe(50);
    await ma.set('config', { level: 2, tags: ['x'] });
    await mb.merge({ one: 1, two: 'two' });
    expect(await ma.snapshot()).toEqual({ hits: 50, config: { level: 2, tags: ['x'] }, one: 1, two: 'two' });
    expect(await mb.has('one')).toBe(true);
    expect(await mb.delete('one')).toBe(true);
    expect((await ma.keys()).sort()).toEqual(['config', 'hits', 'two']);
    await expect(ma.increment('two')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('needs a number there'),
    });
    // Redis adds in long doubles: past the largest number, it would store what reads back as Infinity
    await ma.set('big', 1.7e308);
    await expect(mb.increment('big', 1.7e308)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('gives no finite number'),
    });
    expect(await ma.get('big')).toBe(1.7e308);
    await ma.delete('big');
    const list = (b as Daebus).list<number>('recent');
    for (let i = 1; i <= 5; i++) await (i % 2 ? list : (a as Daebus).list<number>('recent')).append(i);
    expect(await list.snapshot()).toEqual([3, 4, 5]);
    expect(await list.size()).toBe(3);
    // under its cap (the default, 1000), a list keeps everything
    const all = (a as Daebus).list<number>('all');
    for (let i = 1; i <= 5; i++) await all.append(i);
    expect(await (b as Daebus).list<number>('all').snapshot()).toEqual([1, 2, 3, 4, 5]);
  });

  it('hand each queue item to one consumer across replicas; a received item is held until acknowledged', async () => {
    const [a, b] = [replica(), replica()];
    await start(a as Daebus);
    await start(b as Daebus);
    const qa = (a as Daebus).queue<{ id: number }>('jobs');
    const qb = (b as Daebus).queue<{ id: number }>('jobs');
    for (let id = 0; id < 6; id++) await qa.put({ id });
    expect(await qb.size()).toBe(6);
    expect(await qb.position(3)).toBe(3);
    expect((await qb.snapshot()).map((j) => j.id)).toEqual([0, 1, 2, 3, 4, 5]);
    const taken = await Promise.all([qa.get(0), qb.get(0), qa.get(0), qb.get(0)]);
    expect(new Set(taken.map((j) => j?.id)).size).toBe(4);
    const delivery = await qb.receive(0);
    expect(delivery).toMatchObject({ item: { id: 4 }, deliveries: 1, redelivered: false });
    expect(await qa.size()).toBe(1);
    await delivery?.ack();
    for (let i = 0; i < 4; i++) await qa.taskDone();
    await expect(qa.join(10)).resolves.toBe(false); // one item left, never done
    await qa.get(0);
    await qb.taskDone();
    await expect(qa.join(1_000)).resolves.toBe(true);
    await expect(qa.get(50)).resolves.toBeUndefined(); // waits, then nothing
    // every item taken left the stream and the group's pending list
    const redis = new Redis(TEST_REDIS_URL);
    const stream = `daebus:{${service}}:queue:jobs`;
    try {
      expect(await redis.xlen(stream)).toBe(0);
      expect(((await redis.xpending(stream, 'daebus-queue')) as [number])[0]).toBe(0);
    } finally {
      await redis.quit();
    }
  });

  it('put a released item back at the tail with its count, from the main side and from a thread, leaving nothing pending', async () => {
    const jobs = replica().queue<string>('jobs');
    await start(apps[0] as Daebus);
    await jobs.put('a');
    await jobs.put('b');
    const first = await jobs.receive(0);
    expect(first).toMatchObject({ item: 'a', deliveries: 1 });
    await first!.release();
    await expect(first!.ack()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await expect(jobs.snapshot()).resolves.toEqual(['b', 'a']);
    await expect(jobs.join(10)).resolves.toBe(false); // released is not done
    // a thread of another replica takes b, and gives it back
    const threaded = captureLogger();
    const other = new Daebus('shared', { logger: threaded.logger });
    other.queue('jobs', { scope: 'service' });
    other.thread('releaser', async (running, t) => {
      const delivery = await t.queue<string>('jobs').receive(10_000);
      t.log.info('thread received', { item: delivery?.item, deliveries: delivery?.deliveries });
      await delivery?.release();
      t.log.info('thread released');
      while (running()) await t.sleep(10);
    });
    apps.push(other);
    await start(other);
    await waitFor(() => threaded.records.some((r) => r.message === 'thread released'), 'the thread to release its item');
    expect(threaded.records.find((r) => r.message === 'thread received')).toMatchObject({ item: 'b', deliveries: 1 });
    await expect(jobs.snapshot()).resolves.toEqual(['a', 'b']);
    const again = [await jobs.receive(0), await jobs.receive(0)];
    expect(again.map((d) => [d?.item, d?.deliveries, d?.redelivered])).toEqual([
      ['a', 2, true],
      ['b', 2, true],
    ]);
    for (const delivery of again) await delivery!.ack();
    await expect(jobs.join(1_000)).resolves.toBe(true);
    const redis = new Redis(TEST_REDIS_URL);
    const stream = `daebus:{${service}}:queue:jobs`;
    try {
      expect(await redis.xlen(stream)).toBe(0);
      expect(((await redis.xpending(stream, 'daebus-queue')) as [number])[0]).toBe(0);
    } finally {
      await redis.quit();
    }
  });

  it('are reached from threads and pooled handlers with the same API', async () => {
    const app = replica((r) => {
      r.thread('counter', async (running, t) => {
        await t.map('stats').increment('from thread');
        const delivery = await t.queue('jobs').receive(5_000);
        await t.list('recent').append(delivery?.item);
        await delivery?.ack();
        while (running()) await t.sleep(1_000);
      });
      r.action('pooled', { module: fixture('pooled.mjs'), export: 'usesState' });
    });
    app.map('pooled', { scope: 'service' });
    app.list('pooled_log', { scope: 'service', max: 10 });
    await start(app);
    await app.queue('jobs').put('from action');
    await waitFor(async () => (await app.list('recent').size()) === 1, 'the thread to take the item');
    expect(await app.list('recent').snapshot()).toEqual(['from action']);
    expect(await app.map('stats').get('from thread')).toBe(1);
    const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
    try {
      await caller.sendRequest('pooled', { tag: 'p1' });
    } finally {
      await caller.close();
    }
    expect(await app.map('pooled').get('calls')).toBe(1);
    expect(await app.list('pooled_log').snapshot()).toEqual(['p1']);
  });

  it('answer every write of a thread, so a write Redis refuses fails where it was made', async () => {
    const app = replica((r) => {
      r.thread('writer', async (running, t) => {
        const stats = t.map('stats');
        const outcomes: unknown[] = [];
        // in-process structures answer a thread's first write and then let it post the rest; these must not
        for (const value of [1, 2, 3, 10n, 4]) {
          outcomes.push(
            await stats.set(`k${outcomes.length}`, value).then(
              () => 'stored',
              (err: { code: string }) => err.code,
            ),
          );
        }
        await stats.set('outcomes', outcomes);
      });
    });
    await start(app);
    await waitFor(() => app.threads.writer?.state === 'completed', 'the writer to finish');
    expect(await app.map('stats').snapshot()).toEqual({
      k0: 1,
      k1: 2,
      k2: 3,
      k4: 4,
      outcomes: ['stored', 'stored', 'stored', 'INVALID_ARGUMENT', 'stored'],
    });
  });

  it('refuse a name used as another kind, and are out of reach before the service starts', async () => {
    const app = replica();
    expect(() => app.queue('stats')).toThrow(expect.objectContaining({ code: 'STATE_KIND_MISMATCH' }));
    expect(() => app.map('local').set('x', 1)).not.toThrow();
    expect(() => app.map('local2', { scope: 'service' })).not.toThrow();
    expect(() => app.map('local', { scope: 'service' })).toThrow(expect.objectContaining({ code: 'STATE_KIND_MISMATCH' }));
    await expect(app.map('stats').get('x')).rejects.toMatchObject({ code: 'INVALID_STATE' });
  });
});
