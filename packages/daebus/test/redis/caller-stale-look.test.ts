// A caller that sends over pub/sub because its last look (at most 2 s old) found no replicas, and
// nobody receives the request: it looks again (at most every 250 ms), and a service that runs replicas by now
// (its presence is back, no lease holder listens yet: Redis restarted empty moments ago) gets the
// request in its stream. Before, the caller failed it with NO_SUBSCRIBER.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { serviceKeys } from '../../src/main/replicas/keys';
import { TEST_REDIS_URL } from '../support/redis-server';

let redis: Redis;
let caller: DaebusCaller | undefined;
let service: string;

beforeEach(() => {
  service = `stale_look_${randomUUID()}`;
  redis = new Redis(TEST_REDIS_URL);
});

afterEach(async () => {
  await caller?.close();
  const left = await redis.keys(`*{${service}}*`);
  if (left.length > 0) await redis.del(...left);
  await redis.quit();
});

describe('a caller whose request over pub/sub nobody received', () => {
  it('adds it to the stream of a service found to run replicas on a second look', async () => {
    caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 300 });
    // nothing runs: the caller's look finds no replicas, and keeps that for 2 s
    await expect(caller.sendRequest('echo', {})).rejects.toMatchObject({ code: 'NO_SUBSCRIBER' });
    // a replica's presence, and no lease holder on the channel yet; the caller's look is past
    // the 250 ms it keeps a look for a request nobody received (it keeps it 2 s otherwise)
    const keys = serviceKeys(service);
    await redis.set(keys.live, '1', 'PX', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // in the stream, where no replica reads it here: the caller waits out its timeout
    await expect(caller.sendRequest('echo', { n: 1 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    const entries = await redis.xrange(keys.requests, '-', '+');
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]?.[1][1] as string)).toMatchObject({ action: 'echo', payload: { n: 1 } });
  });

  it('still fails with NO_SUBSCRIBER at once when no service is there', async () => {
    caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 5_000 });
    for (let i = 0; i < 2; i++) await expect(caller.sendRequest('echo', {})).rejects.toMatchObject({ code: 'NO_SUBSCRIBER' });
    // it names the Redis it looked on, and the in-memory default a service without Redis runs on (before: neither)
    await expect(caller.sendRequest('echo', {})).rejects.toThrow(
      `This caller looked on Redis at ${TEST_REDIS_URL.replace(/\/$/, '')}: a service given no redis option and no REDIS_URL runs on the in-memory transport`,
    );
  });
});

// Redis paused past the live key's expiry (three heartbeats): a caller's look answered as it woke
// found the key gone before the replicas' heartbeats set it again, and sent its durable requests
// over pub/sub for 2 s; those were lost if the lease moved in the pause (operability review).
describe('a caller whose look finds the live key gone after it had found it', () => {
  const sendsTo = async (c: DaebusCaller, n: number): Promise<string> =>
    c.sendRequest('echo', { n }).then(
      () => 'answered',
      (e: { code: string }) => e.code,
    );

  it('keeps the stream while the replicas are still listed, until a second look finds the key gone too', async () => {
    const keys = serviceKeys(service);
    caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 300 });
    await redis.set(keys.live, '1', 'PX', 60_000);
    await redis.zadd(keys.replicas, Date.now(), 'replica-a');
    expect(await sendsTo(caller, 1)).toBe('TIMEOUT'); // in the stream, where no replica reads it here
    await redis.del(keys.live); // expired while Redis paused; the replica is still listed
    await new Promise((resolve) => setTimeout(resolve, 2_100)); // the caller's look is stale
    expect(await sendsTo(caller, 2)).toBe('TIMEOUT'); // still the stream (before: NO_SUBSCRIBER, over pub/sub)
    expect((await redis.xrange(keys.requests, '-', '+')).map(([, f]) => JSON.parse(f[1] as string).payload.n)).toEqual([1, 2]);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    // a second look 2 s later finds it gone too: every replica died, and the caller is told at once again
    expect(await sendsTo(caller, 3)).toBe('NO_SUBSCRIBER');
    expect(await redis.xlen(keys.requests)).toBe(2);
  });

  it('goes back to pub/sub at the first look once the last replica left (no replica listed)', async () => {
    const keys = serviceKeys(service);
    caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 300 });
    await redis.set(keys.live, '1', 'PX', 60_000);
    expect(await sendsTo(caller, 1)).toBe('TIMEOUT');
    await redis.del(keys.live); // as the last replica's clean stop leaves it: the key gone, nobody listed
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await sendsTo(caller, 2)).toBe('NO_SUBSCRIBER');
    expect(await redis.xlen(keys.requests)).toBe(1);
  });
});
