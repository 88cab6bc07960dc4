// Two idle replicas and an action with `concurrency: 1`: a replica takes from the request stream
// only what it can start, so the requests spread over both. Before, one replica read up to 16
// entries at once and queued them behind its one slot while the other sat idle (9 of 10 ran on one).
import Redis from 'ioredis';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';
import { replicatedPerTest } from '../support/replicated-per-test';

jest.setTimeout(30_000);

const clients: Redis[] = [];
const t = replicatedPerTest('replica_spread', async () => {
  await Promise.all(clients.splice(0).map((client) => client.quit()));
});

/** Start a replica of `service` whose action `slow` (concurrency 1) waits for the test to finish it. */
async function startReplica(name: string, running: { replica: string; finish: () => void }[], ran: Map<string, number>): Promise<void> {
  const app = new Daebus('spread', { logger: captureLogger().logger });
  app.action(
    'slow',
    () =>
      new Promise<string>((resolve) => {
        ran.set(name, (ran.get(name) ?? 0) + 1);
        running.push({ replica: name, finish: () => resolve(name) });
      }),
    { concurrency: 1 },
  );
  t.apps.push(app);
  await app.start({ service: t.service, redis: TEST_REDIS_URL, replicas: {} });
}

function redisClient(): Redis {
  const redis = new Redis(TEST_REDIS_URL);
  clients.push(redis);
  return redis;
}

/** What the request stream holds (not yet answered), and what each replica took from it and has not answered. */
async function streamState(redis: Redis): Promise<{ entries: number; taken: number[] }> {
  const key = `daebus:{${t.service}}:requests`;
  const [[, entries], [, summary]] = (await redis.multi().xlen(key).xpending(key, 'daebus').exec()) as [
    [null, number],
    [null, [number, string, string, [string, string][] | null]],
  ];
  return { entries, taken: (summary[3] ?? []).map(([, count]) => Number(count)) };
}

describe('two replicas and an action with concurrency 1', () => {
  it('each replica takes from the stream only what it can start soon, and both run about half', async () => {
    // each handler waits until the test finishes it: the test decides when a slot frees
    const running: { replica: string; finish: () => void }[] = [];
    const ran = new Map<string, number>();
    await startReplica('a', running, ran);
    await startReplica('b', running, ran);
    const caller = new DaebusCaller(t.service, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
    t.callers.push(caller);
    const redis = redisClient();
    const total = 10;
    const replies = Array.from({ length: total }, (_, i) => caller.sendRequest('slow', { i }));
    const takenMost: number[] = [];
    for (let finished = 0; finished < total;) {
      // a round: both replicas run one, or one does and the stream has nothing left for the other
      await waitFor(async () => {
        if (running.length === 2) return true;
        const { entries, taken } = await streamState(redis);
        return running.length === 1 && entries === taken.reduce((sum, n) => sum + n, 0);
      }, 'a request running on each replica, or none left for the other');
      takenMost.push(Math.max(...(await streamState(redis)).taken));
      finished += running.length;
      for (const { finish } of running.splice(0)) finish();
    }
    expect(await Promise.all(replies)).toHaveLength(total);
    // the one it runs, and at most one waiting for the slot (it may be a daebus.ping: those have slots of their own)
    expect(Math.max(...takenMost)).toBeLessThanOrEqual(2);
    // before: 9 on one replica, 1 on the other
    expect(Math.min(ran.get('a') ?? 0, ran.get('b') ?? 0)).toBeGreaterThanOrEqual(total / 2 - 1);
  });

  it('a replica whose action is full still reads and answers a daebus.ping from the stream', async () => {
    const running: { replica: string; finish: () => void }[] = [];
    await startReplica('a', running, new Map());
    const caller = new DaebusCaller(t.service, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
    t.callers.push(caller);
    const reply = caller.sendRequest('slow', {});
    await waitFor(() => running.length === 1, 'the request running');
    await expect(caller.sendRequest('daebus.ping', {})).resolves.toBeDefined();
    running.splice(0).forEach(({ finish }) => finish());
    await expect(reply).resolves.toBe('a');
  });

  it('a replicated service without actions answers daebus.ping through the stream', async () => {
    const app = new Daebus('spread', { logger: captureLogger().logger });
    t.apps.push(app);
    await app.start({ service: t.service, redis: TEST_REDIS_URL, replicas: {} });
    const caller = new DaebusCaller(t.service, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
    t.callers.push(caller);
    await expect(caller.sendRequest('daebus.ping', {})).resolves.toBeDefined();
  });
});

// A full action with no queue (maxQueued 0) hands a durable request back to the stream. Before, a
// lone replica read it back at once, and again, until the slot freed: about 800 hand-backs a
// second, a core busy and Redis with them, and each counted as a BUSY reply nobody got.
describe('a lone replica whose action is full and has no queue', () => {
  it('waits for the slot between hand-backs, runs the request when it frees, and counts no BUSY', async () => {
    const app = new Daebus('spread', { logger: captureLogger().logger });
    const finishers: (() => void)[] = [];
    app.action('one', () => new Promise<string>((resolve) => finishers.push(() => resolve('done'))), { concurrency: 1, maxQueued: 0 });
    app.action('other', () => 'other');
    t.apps.push(app);
    await app.start({ service: t.service, redis: TEST_REDIS_URL, replicas: {} });
    const caller = new DaebusCaller(t.service, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
    t.callers.push(caller);
    const redis = redisClient();
    const key = `daebus:{${t.service}}:requests`;
    const added = async (): Promise<number> => {
      const info = (await redis.xinfo('STREAM', key)) as unknown[];
      return Number(info[info.indexOf('entries-added') + 1]);
    };
    const first = caller.sendRequest('one', {});
    await waitFor(() => finishers.length === 1, 'the first request running');
    const second = caller.sendRequest('one', {});
    const before = await added();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // each hand-back appends the request again: pauses of 10 ms doubling to 100 ms allow about 18 in 1.5 s
    const handBacks = (await added()) - before;
    expect(handBacks).toBeLessThanOrEqual(30);
    // the other actions are still read and run meanwhile
    await expect(caller.sendRequest('other', {})).resolves.toBe('other');
    finishers.shift()?.();
    await waitFor(() => finishers.length === 1, 'the second request running once the slot freed', 5_000);
    finishers.shift()?.();
    await expect(Promise.all([first, second])).resolves.toEqual(['done', 'done']);
    const text = await app.metrics();
    expect(text).not.toMatch(/daebus_requests_total\{action="one",outcome="busy"\}/);
    expect(text).toMatch(/daebus_requests_total\{action="one",outcome="ok"\} 2/);
  });
});
