// A Redis stall longer than visibilityTimeoutMs, with every replica alive: each request still runs
// once. During the stall, a replica's handler finished and its confirmation waited in Redis's
// queue behind another replica's claim of the same entry; the claimer then ran the entry again
// although it was no longer pending (the reviewer saw 8 of 30 run twice, logged "delivery
// undefined"). A claimed entry is now run only while it is still pending under the claimer.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller, request } from 'daebus';
import { captureLogger } from '../support/helpers';
import { privateRedisPerFile } from '../support/redis-server';

jest.setTimeout(60_000);

const file = privateRedisPerFile();
const { apps } = file;

it('runs each request once when Redis stalls past the visibility timeout while the replicas live', async () => {
  const service = `stall_reclaim_${randomUUID()}`;
  const runs = new Map<string, number>();
  for (let i = 0; i < 2; i++) {
    const app = new Daebus('stall', { logger: captureLogger().logger });
    // its work does not touch Redis: it finishes during the stall
    app.action('work', async (payload) => {
      const id = String(payload.id);
      runs.set(id, (runs.get(id) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { id, attempt: request.attempt };
    });
    apps.push(app);
    await app.start({ service, redis: file.redis.url, replicas: { visibilityTimeoutMs: 1_000, heartbeatMs: 200 } });
  }
  const caller = new DaebusCaller(service, { redis: file.redis.url, timeoutMs: 30_000 });
  const admin = new Redis(file.redis.url);
  try {
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 24; i++) {
      calls.push(caller.sendRequest('work', { id: `r${i}` }));
      if (i === 8) await admin.call('CLIENT', 'PAUSE', '2500', 'ALL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const replies = (await Promise.all(calls)) as { id: string }[];
    expect(replies.map((reply) => reply.id)).toEqual(Array.from({ length: 24 }, (_, i) => `r${i}`));
    // a late second run would come within a reclaim or two
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const twice = [...runs].filter(([, n]) => n > 1).map(([id]) => id);
    expect(twice).toEqual([]);
    expect(runs.size).toBe(24);
  } finally {
    admin.disconnect();
    await caller.close();
  }
});
