// Two idle replicas and an action with `concurrency: 1`: a replica takes from the request stream
// only what it can start, so the requests spread over both. Before, one replica read up to 16
// entries at once and queued them behind its one slot while the other sat idle (9 of 10 ran on one).
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

let service: string;
const apps: Daebus[] = [];
const callers: DaebusCaller[] = [];
const clients: Redis[] = [];

beforeEach(() => {
  service = `replica_spread_${randomUUID()}`;
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  await Promise.all(callers.splice(0).map((caller) => caller.close()));
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`*{${service}}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await Promise.all(clients.splice(0).map((client) => client.quit()));
});

describe('two replicas and an action with concurrency 1', () => {
  it('each replica holds only the request it runs, and both run half of them', async () => {
    // each handler waits until the test lets it finish: the test decides when a slot frees
    const running: { replica: string; finish: () => void }[] = [];
    const ran = new Map<string, number>();
    for (const replica of ['a', 'b']) {
      const app = new Daebus('spread', { logger: captureLogger().logger });
      app.action(
        'slow',
        () =>
          new Promise<string>((resolve) => {
            ran.set(replica, (ran.get(replica) ?? 0) + 1);
            running.push({ replica, finish: () => resolve(replica) });
          }),
        { concurrency: 1 },
      );
      apps.push(app);
      await app.start({ service, redis: TEST_REDIS_URL, replicas: {} });
    }
    const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
    callers.push(caller);
    const redis = new Redis(TEST_REDIS_URL);
    clients.push(redis);
    const total = 8;
    const replies = Array.from({ length: total }, (_, i) => caller.sendRequest('slow', { i }));
    const heldMost: number[] = [];
    for (let finished = 0; finished < total; finished += 2) {
      await waitFor(() => running.length === 2, 'one request running on each replica');
      // what each replica took from the stream and has not answered: only the one it runs
      const [, , , consumers] = (await redis.xpending(`daebus:{${service}}:requests`, 'daebus')) as [
        number,
        string,
        string,
        [string, string][] | null,
      ];
      heldMost.push(Math.max(...(consumers ?? []).map(([, count]) => Number(count))));
      for (const { finish } of running.splice(0)) finish();
    }
    expect(await Promise.all(replies)).toHaveLength(total);
    expect(heldMost).toEqual([1, 1, 1, 1]);
    expect(ran).toEqual(
      new Map([
        ['a', total / 2],
        ['b', total / 2],
      ]),
    );
  });
});
