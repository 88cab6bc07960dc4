// Service-wide structures at their edges: waits that outlive the service or the reader pool,
// counts and caps that must match the in-process structures, values JSON would change.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor, type LogRecord } from '../support/helpers';
import { privateRedis, TEST_REDIS_URL } from '../support/redis-server';

let service: string;
let apps: Daebus[];
let records: LogRecord[];

function app(): Daebus {
  const captured = captureLogger();
  records = captured.records;
  const made = new Daebus('edges', { logger: captured.logger });
  apps.push(made);
  return made;
}

beforeEach(() => {
  service = `edges_${randomUUID()}`;
  apps = [];
});
afterEach(async () => {
  await Promise.all(apps.map((a) => a.stop()));
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`daebus:{${service}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const start = (a: Daebus): Promise<void> => a.start({ service, redis: TEST_REDIS_URL });

/** More waits than the queues have blocking connections (32): the rest wait for one. */
const MORE_THAN_READERS = 40;

describe('service-wide queue waits', () => {
  it('end with undefined when the service stops, those waiting for a reader too', async () => {
    const a = app();
    const jobs = a.queue<string>('jobs', { scope: 'service' });
    await start(a);
    const gets = Array.from({ length: MORE_THAN_READERS }, (_, i) => (i % 2 ? jobs.get(600_000) : jobs.receive(600_000)));
    // every wait has reached Redis or the line for a reader: one more put-and-get goes round them
    await a.queue('other', { scope: 'service' }).put('x');
    await a.stop();
    // before the fix the waits never settled and held the process alive
    await expect(Promise.all(gets)).resolves.toEqual(Array.from({ length: MORE_THAN_READERS }, () => undefined));
    // nothing was taken: after a restart an item put is there for a get
    await start(a);
    await jobs.put('after');
    await expect(jobs.get(5_000)).resolves.toBe('after');
  });

  it('end before the threads stop: a job a stopping thread hands back stays in Redis', async () => {
    const a = app();
    const jobs = a.queue<{ id: string }>('jobs', { scope: 'service' });
    a.thread('worker', async (running, th) => {
      th.onStop(() => th.queue('jobs').put({ id: 'job-42' })); // its unfinished job, handed back
      while (running()) await th.sleep(50);
    });
    await start(a);
    const waiting = jobs.get(600_000);
    await a.queue('other', { scope: 'service' }).put('x'); // the get has reached Redis
    await a.stop();
    // before: the main side's get, still waiting as the thread stopped, took the job
    await expect(waiting).resolves.toBeUndefined();
    await start(a);
    await expect(jobs.snapshot()).resolves.toEqual([{ id: 'job-42' }]);
  });

  it('end for a route answered 504: the item read for it goes back, and the next poll gets it', async () => {
    const a = app();
    const jobs = a.queue<string>('polled', { scope: 'service' });
    a.route('/poll', async () => ({ job: (await jobs.get()) ?? null }), { timeoutMs: 200 });
    await a.start({ service, redis: TEST_REDIS_URL, http: { port: 0, host: '127.0.0.1' } });
    const url = a.http.url as string;
    expect((await fetch(`${url}/poll`)).status).toBe(504);
    await jobs.put('job-1');
    // before: the handler answered 504, still blocked in Redis, took it, and it was lost with its answer
    await waitFor(async () => (await jobs.snapshot()).length === 1, 'the item back in the queue');
    expect(await (await fetch(`${url}/poll`)).json()).toEqual({ job: 'job-1' });
  });

  it('keep their own timeout while waiting for a free reader', async () => {
    const a = app();
    const busy = a.queue<string>('busy', { scope: 'service' });
    const idle = a.queue<string>('idle', { scope: 'service' });
    await start(a);
    const blockers = Array.from({ length: MORE_THAN_READERS }, () => busy.get(600_000));
    // every reader is blocked on "busy": this wait gets none, and still ends at its timeout
    await expect(idle.get(300)).resolves.toBeUndefined();
    await expect(idle.receive(300)).resolves.toBeUndefined();
    // a get that does not wait needs no reader: it takes an item that is there at once
    await idle.put('there');
    await expect(idle.get(0)).resolves.toBe('there');
    for (let i = 0; i < MORE_THAN_READERS; i++) await busy.put(`job ${i}`);
    expect((await Promise.all(blockers)).sort()).toEqual(Array.from({ length: MORE_THAN_READERS }, (_, i) => `job ${i}`).sort());
  });
});

describe('service-wide queue counts', () => {
  it('refuse a taskDone() past the items put, as an in-process queue does, and join() stays honest', async () => {
    const a = app();
    const jobs = a.queue<string>('jobs', { scope: 'service' });
    await start(a);
    await jobs.put('one');
    await jobs.taskDone();
    // the other reason it may happen said too: Redis lost the count while items were out
    await expect(jobs.taskDone()).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^queue "jobs": taskDone\(\) called more times than items were put \(or Redis lost the queue's count/),
    });
    await jobs.put('two');
    // the refused call counted nothing: one item is unfinished
    await expect(jobs.join(50)).resolves.toBe(false);
    await jobs.get(0);
    await jobs.taskDone();
    await expect(jobs.join(50)).resolves.toBe(true);
  });

  it('never count below none when the count was lost (evicted), so that join() is honest again for the items put after', async () => {
    const a = app();
    const jobs = a.queue<string>('jobs', { scope: 'service' });
    await start(a);
    await jobs.put('one');
    await jobs.put('two');
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await redis.del(`daebus:{${service}}:queue-unfinished:jobs`); // as an allkeys-lru Redis evicts it
      for (let i = 0; i < 2; i++) await (await jobs.receive(0))?.ack();
      // before: -2, and join() true for the next two items put, unfinished
      expect(Number(await redis.get(`daebus:{${service}}:queue-unfinished:jobs`))).toBe(0);
      await jobs.put('three');
      await expect(jobs.join(50)).resolves.toBe(false);
      await (await jobs.receive(0))?.ack();
      await expect(jobs.join(50)).resolves.toBe(true);
    } finally {
      await redis.quit();
    }
  });
});

describe('service-wide capped lists', () => {
  it('keep their max when opened again without one, and refuse another max, from the main side and from threads', async () => {
    const a = app();
    a.list('recent', { scope: 'service', max: 2 });
    const again = a.list<number>('recent');
    expect(again.max).toBe(2);
    expect(() => a.list('recent', { scope: 'service', max: 5 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    // one declared without max takes the first max given (the default fixes nothing), then refuses another
    a.list('plain', { scope: 'service' });
    expect(a.list('plain').max).toBeUndefined();
    expect(() => a.list('plain', { scope: 'service', max: 10 })).not.toThrow();
    expect(a.list('plain').max).toBe(10);
    expect(() => a.list('plain', { scope: 'service', max: 1000 })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    a.thread('appender', async (running, t) => {
      const outcome = await t
        .list('recent', { max: 7 })
        .append(99)
        .then(
          () => 'appended',
          (err: { code?: string }) => String(err.code),
        );
      t.log.info('thread append', { outcome });
      while (running()) await t.sleep(20);
    });
    await start(a);
    for (let i = 1; i <= 4; i++) await again.append(i);
    expect(await again.snapshot()).toEqual([3, 4]);
    await waitFor(() => records.some((r) => r.message === 'thread append'), 'the thread to append');
    expect(records.find((r) => r.message === 'thread append')).toMatchObject({ outcome: 'INVALID_OPTION' });
    expect(await again.snapshot()).toEqual([3, 4]);
  });

  it('take the first max a thread gives when declared and read without one', async () => {
    const a = app();
    const read = a.list<number>('unset', { scope: 'service' });
    a.thread('capper', async (running, t) => {
      const recent = t.list<number>('unset', { max: 2 });
      const outcome = await recent
        .append(1)
        .then(() => recent.append(2))
        .then(() => recent.append(3))
        .then(
          (size) => `appended, ${size} items`,
          (err: Error) => err.message,
        );
      t.log.info('capped append', { outcome });
      while (running()) await t.sleep(20);
    });
    await start(a);
    await waitFor(() => records.some((r) => r.message === 'capped append'), 'the thread to append');
    // before: refused, the declaration without max had fixed the cap at 1000
    expect(records.find((r) => r.message === 'capped append')).toMatchObject({ outcome: 'appended, 2 items' });
    expect(await read.snapshot()).toEqual([2, 3]);
    expect(a.list('unset').max).toBe(2);
  });

  it('keep the max the first process gave across the processes of the service', async () => {
    // three apps of one service: as three processes, each with its own declaration
    const [first, plain, other] = [app(), app(), app()];
    first.list('shared_recent', { scope: 'service', max: 2 });
    plain.list('shared_recent', { scope: 'service' });
    other.list('shared_recent', { scope: 'service', max: 5 });
    for (const a of [first, plain, other]) await start(a);
    for (let i = 1; i <= 3; i++) await first.list<number>('shared_recent').append(i);
    // before, one opened without max trimmed at 1000, and one with another max trimmed at its own
    for (let i = 4; i <= 6; i++) await plain.list<number>('shared_recent').append(i);
    expect(await plain.list<number>('shared_recent').snapshot()).toEqual([5, 6]);
    await expect(other.list<number>('shared_recent').append(7)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('has max 2, as another process of the service declared it'),
    });
    expect(await first.list<number>('shared_recent').snapshot()).toEqual([5, 6]);
    // cleared, the list takes the next max given
    await first.list('shared_recent').clear();
    for (let i = 1; i <= 6; i++) await other.list<number>('shared_recent').append(i);
    expect(await plain.list<number>('shared_recent').snapshot()).toEqual([2, 3, 4, 5, 6]);
  });

  it('refuse an option they do not have, in plain JavaScript where no type check catches it', () => {
    const a = app();
    expect(() => a.list('x', { scope: 'service', maxLength: 5 } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('unknown option "maxLength"') }),
    );
    expect(() => a.map('m', { scpoe: 'service' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => a.queue('q', { max: 3 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});

describe('service-wide values', () => {
  it('add as an in-process map does, to the last bit, and store the shortest text of the sum (before: HINCRBYFLOAT rounded 1e-20 to 0)', async () => {
    const a = app();
    const wide = a.map<number>('sums', { scope: 'service' });
    const local = a.map<number>('local-sums');
    await start(a);
    const steps = [[1.23456789012e-10], [1e-20], [5e-324], [-1e-18], [3.14159265358979e-8], [0.1, 0.2], [1.5e300], [2 ** 53, 2], [-0]];
    for (const [i, bys] of steps.entries()) {
      for (const by of bys) expect(await wide.increment(`k${i}`, by)).toBe(await local.increment(`k${i}`, by));
      expect(await wide.get(`k${i}`)).toBe(await local.get(`k${i}`));
    }
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const stored = await redis.hgetall(`daebus:{${service}}:map:sums`);
      expect(stored).toMatchObject({ k1: '1e-20', k5: '0.30000000000000004', k6: '1.5e+300' });
    } finally {
      await redis.quit();
    }
    // refused as before: a value that is not a number, and a sum past the largest number
    await wide.set('text', 'x' as unknown as number);
    await expect(wide.increment('text')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('needs a number'),
    });
    await expect(wide.increment('k6', Number.MAX_VALUE)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('refuse a value nested past 1,000 levels from the main side, as threads and in-process structures do (before: stored, or a stack overflow)', async () => {
    const a = app();
    const deepMap = a.map<unknown>('deep', { scope: 'service' });
    const deepList = a.list<unknown>('deep-list', { scope: 'service' });
    await start(a);
    for (const depth of [1_001, 3_000]) {
      const deep: Record<string, unknown> = {};
      let cursor = deep;
      for (let i = 1; i < depth; i++) cursor = (cursor.a = {}) as Record<string, unknown>;
      await expect(deepMap.set('x', deep)).rejects.toMatchObject({ code: 'NOT_CLONEABLE', message: expect.stringContaining('nested') });
      await expect(deepList.append(deep)).rejects.toMatchObject({ code: 'NOT_CLONEABLE' });
    }
    expect(await deepMap.get('x')).toBeUndefined();
    expect(await deepList.size()).toBe(0);
  });

  it('refuse what JSON would store as something else, and store nothing', async () => {
    const a = app();
    const stats = a.map<unknown>('stats', { scope: 'service' });
    const jobs = a.queue<unknown>('jobs', { scope: 'service' });
    await start(a);
    await expect(stats.set('m', new Map([['a', 1]]))).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('Map'),
    });
    await expect(stats.merge({ ok: 1, bad: { n: Number.NaN } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('(the value at bad.n is NaN, which JSON has no number for)'),
    });
    // the path whole (before: '"1" is Infinity'), and undefined in an array, which JSON stores as null (before: stored so, without a word)
    await expect(stats.set('x', { x: [1, Infinity] })).rejects.toMatchObject({
      message: expect.stringContaining('(the value at x[1] is Infinity, which JSON has no number for)'),
    });
    await expect(stats.set('x', { b: [undefined] })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('the value at b[0] is undefined in an array, which JSON stores as null'),
    });
    await expect(jobs.put([1, undefined])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await stats.get('x')).toBeUndefined();
    // a property set to undefined is left out, as JSON means
    await stats.set('y', { a: undefined, b: 1 });
    expect(await stats.get('y')).toEqual({ b: 1 });
    await stats.delete('y');
    await expect(jobs.put(new Set([1]))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // before: a Uint8Array stored as {"0": 1, ...}, a RegExp or an Error as {}
    for (const [value, kind] of [
      [new Uint8Array([1, 2]), 'a Uint8Array'],
      [{ pattern: /a+/ }, 'a RegExp'],
      [[new Error('boom')], 'an Error'],
      // before, stored as {} (state review)
      [{ shared: new SharedArrayBuffer(8) }, 'a SharedArrayBuffer'],
      [{ ref: new WeakRef({}) }, 'a WeakRef'],
    ] as const) {
      await expect(stats.set('x', value)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining(`is ${kind}`),
      });
    }
    // a key Redis would store as another (a lone surrogate became U+FFFD: keys() missed it, '\uFFFD' shared it)
    for (const write of [() => stats.set('\ud800', 1), () => stats.merge({ ok: 1, '\udc00x': 2 }), () => stats.increment('a\ud800', 1)]) {
      await expect(write()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('surrogate pair alone') });
    }
    // a function or a symbol inside the value: refused with the code an in-process structure gives (before: stored without it)
    const inProcess = a.map<unknown>('local');
    for (const [value, where] of [
      [{ a: { f() {} } }, 'a function at a.f'],
      [[1, Symbol('s')], 'a symbol at [1]'],
      [{ s: Symbol.iterator }, 'a symbol at s'],
    ] as const) {
      await expect(inProcess.set('x', value)).rejects.toMatchObject({ code: 'NOT_CLONEABLE' });
      await expect(stats.set('x', value)).rejects.toMatchObject({
        code: 'NOT_CLONEABLE',
        message: expect.stringContaining(`holds ${where}`),
      });
      await expect(jobs.put(value)).rejects.toMatchObject({ code: 'NOT_CLONEABLE' });
      await expect(a.list('recent', { scope: 'service' }).append(value)).rejects.toMatchObject({ code: 'NOT_CLONEABLE' });
    }
    // the call is named, and a merge's refusal names the key that holds it, as an in-process map does (before: `holds a function at f`)
    await expect(stats.merge({ ok: 1, kk: { f() {} } } as never)).rejects.toMatchObject({
      code: 'NOT_CLONEABLE',
      message: expect.stringMatching(/^map "[^"]+": merge\(entries\): it holds a function at kk\.f,/),
      details: { path: 'kk.f' },
    });
    await expect(stats.set('x', { f() {} })).rejects.toThrow(/^map "[^"]+": set\("x"\): it holds a function at f,/);
    await expect(jobs.put({ f() {} })).rejects.toThrow(/^queue "[^"]+": put\(item\): it holds a function at f,/);
    await expect(a.list('recent').size()).resolves.toBe(0);
    expect(await stats.snapshot()).toEqual({});
    expect(await jobs.size()).toBe(0);
    // what JSON stores as itself, or by its toJSON, is fine
    await stats.set('when', new Date(0));
    expect(await stats.get('when')).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('service-wide writes that Redis refuses', () => {
  it('reject with what Redis said and what to do about it, not a wait for a connection that is fine', async () => {
    const server = await privateRedis(['--maxmemory-policy', 'noeviction']);
    const config = new Redis(server.url);
    const a = app();
    const stock = a.map<number>('stock', { scope: 'service' });
    try {
      await a.start({ service, redis: server.url });
      await stock.set('apples', 1);
      await config.config('SET', 'maxmemory', '1');
      const failure = await stock.set('pears', 2).then(
        () => undefined,
        (err: unknown) => err as { code?: string; message?: string },
      );
      expect(failure?.code).toBe('TRANSPORT_ERROR');
      expect(failure?.message).toMatch(/^map "stock" \(service-wide, in Redis\): OOM .* Redis refused it\. Redis is full \(maxmemory\)/);
      // before: "Check that Redis is up and reachable; the connection comes back on its own"
      expect(failure?.message).not.toContain('comes back');
      await config.config('SET', 'maxmemory', '0');
      await stock.set('pears', 2);
      expect(await stock.get('pears')).toBe(2);
    } finally {
      await a.stop();
      config.disconnect();
      await server.stop();
    }
  });
});

describe('a service-wide map or list value that is not JSON (another program wrote it)', () => {
  it('fails the read naming the key or index, and what to do (before: neither)', async () => {
    const a = app();
    const results = a.map('results', { scope: 'service' });
    const recent = a.list('recent', { scope: 'service', max: 5 });
    await start(a);
    await results.set('good', { a: 1 });
    await recent.append(1);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await redis.hset(`daebus:{${service}}:map:results`, 'bad', 'not json');
      await redis.rpush(`daebus:{${service}}:list:recent`, 'oops');
      const advice = 'Write JSON there, or delete it.';
      for (const read of [() => results.get('bad'), () => results.snapshot()])
        await expect(read()).rejects.toMatchObject({
          code: 'BAD_RESPONSE',
          message: expect.stringMatching(new RegExp(`^map "results" .* not JSON at key "bad": .*${advice}$`)),
        });
      await expect(results.get('good')).resolves.toEqual({ a: 1 });
      await expect(recent.snapshot()).rejects.toMatchObject({
        message: expect.stringMatching(new RegExp(`^list "recent" .* not JSON at index 1: .*${advice}$`)),
      });
    } finally {
      await redis.quit();
    }
  });
});

describe('a service-wide queue entry that is not JSON (another program wrote it)', () => {
  const key = (queue: string): string => `daebus:{${service}}:queue:${queue}`;

  it('is removed when a take meets it, said with its text, and the item behind it is taken (before: BAD_RESPONSE, and it stayed pending for good)', async () => {
    const a = app();
    const jobs = a.queue<{ n: number }>('jobs', { scope: 'service' });
    await start(a);
    await jobs.put({ n: 0 }); // the stream and its group exist
    await expect(jobs.get(1_000)).resolves.toEqual({ n: 0 });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      const bad = await redis.xadd(key('jobs'), '*', 'v', 'not json');
      await jobs.put({ n: 1 });
      const delivery = await jobs.receive(5_000);
      expect(delivery?.item).toEqual({ n: 1 });
      await delivery?.ack();
      expect(records).toContainEqual(
        expect.objectContaining({
          level: 'error',
          message: expect.stringMatching(new RegExp(`^Queue "jobs": entry ${bad} .* not JSON .* removed, .* Its text: "not json"$`)),
        }),
      );
      expect(await redis.xlen(key('jobs'))).toBe(0);
      expect(await redis.xpending(key('jobs'), 'daebus-queue')).toEqual([0, null, null, null]);
    } finally {
      await redis.quit();
    }
  });

  it('held by a process that died, does not stop the items it held from being delivered again (before: none was, for good)', async () => {
    const a = new Daebus('edges', { logger: captureLogger().logger });
    apps.push(a);
    const captured = captureLogger();
    records = captured.records;
    const b = new Daebus('edges', { logger: captured.logger });
    apps.push(b);
    const replicas = { visibilityTimeoutMs: 600, heartbeatMs: 150 };
    const jobs = b.queue<{ n: number }>('jobs', { scope: 'service' });
    a.queue('jobs', { scope: 'service' });
    await a.start({ service, redis: TEST_REDIS_URL, replicas });
    await b.start({ service, redis: TEST_REDIS_URL, replicas });
    await jobs.put({ n: 0 }); // the stream and its group exist
    await expect(jobs.get(1_000)).resolves.toEqual({ n: 0 });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      // a consumer that then died holds a bad entry and, behind it, a good one
      await redis.xadd(key('jobs'), '*', 'v', 'not json');
      await redis.xadd(key('jobs'), '*', 'v', JSON.stringify({ n: 7 }));
      await redis.xreadgroup('GROUP', 'daebus-queue', 'gone', 'COUNT', 2, 'STREAMS', key('jobs'), '>');
      const delivery = await jobs.receive(10_000);
      expect(delivery).toMatchObject({ item: { n: 7 }, deliveries: 2 });
      await delivery?.ack();
      await waitFor(async () => (await redis.xlen(key('jobs'))) === 0, 'the bad entry to be removed');
      expect(records).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('is not JSON') }));
      expect(records.filter((r) => r.message.startsWith('Service-wide queue upkeep failed'))).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});
