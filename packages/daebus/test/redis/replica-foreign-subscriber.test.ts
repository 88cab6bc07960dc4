// A replicated service shares its pub/sub channel with nothing but the replica taking its requests
// in. Another subscriber there (a Python Daebus service of the same name, a copy started without
// replicas) runs every request published on it too: the replica holding the lease says so.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

let service: string;
const apps: Daebus[] = [];
const clients: Redis[] = [];

beforeEach(() => (service = `replica_foreign_${randomUUID()}`));
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  const redis = new Redis(TEST_REDIS_URL);
  clients.push(redis);
  const keys = await redis.keys(`*{${service}}*`);
  if (keys.length > 0) await redis.del(...keys);
  await Promise.all(clients.splice(0).map((client) => client.quit()));
});

describe('a replica holding the lease on the service channel', () => {
  it('warns once when another connection subscribes to the channel too, before it started or after', async () => {
    for (const foreignFirst of [true, false]) {
      // what a Python Daebus service of the same name does: subscribe to the channel named after it
      const foreign = new Redis(TEST_REDIS_URL);
      clients.push(foreign);
      if (foreignFirst) await foreign.subscribe(service);
      const { logger, records } = captureLogger();
      const app = new Daebus('replicated', { logger });
      app.action('charge', () => ({ charged: true }));
      apps.push(app);
      await app.start({ service, redis: TEST_REDIS_URL, replicas: { heartbeatMs: 100 } });
      if (!foreignFirst) await foreign.subscribe(service);
      const shared = (): typeof records => records.filter((r) => /runs every request published there too/.test(String(r.message)));
      await waitFor(() => shared().length > 0, 'the warning');
      // several more looks: it is said once
      const looked = Date.now();
      await waitFor(() => Date.now() - looked > 1_000, 'a few more looks');
      expect(shared()).toEqual([
        expect.objectContaining({
          level: 'warn',
          message: expect.stringContaining(`1 other connection subscribes to channel "${service}"`),
        }),
      ]);
      expect(shared()[0]).toMatchObject({ subscribers: 2 });
      await app.stop();
      await foreign.unsubscribe(service);
    }
  });
});
