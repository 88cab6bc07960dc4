// Each test of a replicated service gets its own service name; what it started (apps, callers)
// is stopped and closed after it, and the service's keys are deleted from Redis. Closed here, not
// in a test's finally: a test that times out never reaches its finally, and an open caller's
// connection kept jest from exiting.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { Daebus, DaebusCaller } from 'daebus';
import { TEST_REDIS_URL } from './redis-server';

export interface ReplicatedTest {
  /** This test's service name. */
  readonly service: string;
  /** Apps to stop after the test. */
  readonly apps: Daebus[];
  /** Callers to close after the test. */
  readonly callers: DaebusCaller[];
}

export function replicatedPerTest(prefix: string, after?: () => void | Promise<void>): ReplicatedTest {
  let service = '';
  const apps: Daebus[] = [];
  const callers: DaebusCaller[] = [];
  beforeEach(() => {
    service = `${prefix}_${randomUUID()}`;
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
    await Promise.all(callers.splice(0).map((caller) => caller.close()));
    await after?.();
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`*{${service}}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  return {
    get service() {
      return service;
    },
    apps,
    callers,
  };
}
