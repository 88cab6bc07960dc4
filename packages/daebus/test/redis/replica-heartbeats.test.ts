// Replicas of one service beating at different heartbeatMs: a replica that beats less often is
// still listed between its beats (the other's heartbeat used to prune it from `replicas` once its
// last beat was older than ten of the other's expiries), and `live` lasts as long as its presence
// (the other's heartbeat used to shorten it to its own expiry).
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';
import { replicatedPerTest } from '../support/replicated-per-test';

jest.setTimeout(30_000);

const t = replicatedPerTest('replica_beats');

async function replica(heartbeatMs: number): Promise<Daebus> {
  const app = new Daebus('beats', { logger: captureLogger().logger });
  app.action('ping', () => 'pong');
  t.apps.push(app);
  await app.start({ service: t.service, redis: TEST_REDIS_URL, replicas: { heartbeatMs } });
  return app;
}

describe('replicas with different heartbeats', () => {
  it('list the slower one between its beats, and keep `live` while it lives after the faster one stops', async () => {
    // slow: expires 12 s after a beat. fast: 300 ms, and it pruned members older than 3 s
    const slow = await replica(4_000);
    const fast = await replica(100);
    const [slowId] = (await slow.replicas()).map((r) => r.id);
    const lastSeen = async (): Promise<number | undefined> => (await fast.replicas()).find((r) => r.id === slowId)?.lastSeen;
    const first = await lastSeen();
    // watched over more than one of the slow replica's beats: it is listed at every look
    const missing: number[] = [];
    const until = Date.now() + 4_500;
    while (Date.now() < until) {
      if ((await lastSeen()) === undefined) missing.push(Date.now());
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(missing).toEqual([]);
    // just after a beat of the slow one, the fast one beats, then stops
    await waitFor(async () => (await lastSeen()) !== first, 'a beat of the slow replica');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await fast.stop();
    // well past the fast one's expiry (300 ms), well before the slow one's next beat (4 s)
    await new Promise((resolve) => setTimeout(resolve, 800));
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect(await redis.exists(`daebus:{${t.service}}:live`)).toBe(1);
    } finally {
      await redis.quit();
    }
    expect((await slow.replicas()).map((r) => r.id)).toEqual([slowId]);
  });
});
