// Threads consuming service-wide queues (in Redis) when they die, stop, or wait in numbers: what
// happens to the items and the waits, as for the in-process queues.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

let service: string;
let redis: Redis;
const apps: Daebus[] = [];

beforeEach(() => {
  service = `queue_threads_${randomUUID()}`;
  redis = new Redis(TEST_REDIS_URL);
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  const keys = await redis.keys(`*{${service}}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

async function started(app: Daebus, visibilityTimeoutMs = 30_000): Promise<Daebus> {
  apps.push(app);
  await app.start({ service, redis: TEST_REDIS_URL, replicas: { visibilityTimeoutMs } });
  return app;
}

/** Entries of the queue's stream delivered and not yet removed (taken by a consumer, not let go). */
async function pending(queue: string): Promise<number> {
  try {
    const [count] = (await redis.xpending(`daebus:{${service}}:queue:${queue}`, 'daebus-queue')) as [number];
    return count;
  } catch (err) {
    if (String(err).includes('NOGROUP')) return 0; // no consumer has read the queue yet
    throw err;
  }
}

// Before, a service-wide get removed the item from Redis as it sent it to the thread: a thread
// that died before it had read the message lost the item (the in-process queue put it back).
describe("a thread's get on a service-wide queue", () => {
  it('puts the item back in the queue when the thread dies before it has it', async () => {
    const app = new Daebus('queue_threads', { logger: captureLogger().logger });
    app.queue('jobs', { scope: 'service' });
    app.map('signals');
    app.thread(
      'spinner',
      async (_running, t) => {
        void t.queue('jobs').get();
        await t.map('signals').set('waiting', true);
        // never reads the answer: the item is on its way when the thread is terminated
        for (;;);
      },
      { restart: 'temporary', stallTimeoutMs: 0, shutdownTimeoutMs: 200 },
    );
    await started(app);
    await waitFor(async () => (await app.map('signals').get('waiting')) === true, 'the thread to wait for an item');
    await app.queue('jobs').put('job-1');
    // taken from the queue by the thread's get, and held until the thread says it has it
    await waitFor(async () => (await pending('jobs')) === 1, 'the item to be taken');
    await app.stopThread('spinner');
    await expect(app.queue('jobs').get(5_000)).resolves.toBe('job-1');
  });

  it('removes the item from Redis once the thread has it', async () => {
    const app = new Daebus('queue_threads', { logger: captureLogger().logger });
    app.queue('jobs', { scope: 'service' });
    app.map('got');
    app.thread('taker', async (running, t) => {
      while (running()) {
        const job = await t.queue('jobs').get(100);
        if (job !== undefined) await t.map('got').set(String(job), true);
      }
    });
    await started(app, 300);
    await app.queue('jobs').put('job-1');
    await waitFor(async () => (await app.map('got').get('job-1')) === true, 'the thread to get the item');
    await waitFor(async () => (await pending('jobs')) === 0, 'the item to leave Redis');
    // not delivered again past the visibility timeout (the item is gone, not merely renewed)
    await new Promise((resolve) => setTimeout(resolve, 900));
    await expect(app.queue('jobs').size()).resolves.toBe(0);
    await expect(pending('jobs')).resolves.toBe(0);
    await expect(app.map('got').size()).resolves.toBe(1);
  });
});

// Before, a join on a service-wide queue went on polling Redis through a stop: a thread in it was
// terminated as one that ignored the stop (and its poll ran on after it, 10 a second, until the
// service stopped), and a main-side join mostly failed with the closed connection's TRANSPORT_ERROR.
describe('a join on a service-wide queue at a stop', () => {
  it("ends a stopping thread's join with false, so that it returns", async () => {
    const app = new Daebus('queue_threads', { logger: captureLogger().logger });
    app.queue('jobs', { scope: 'service' });
    app.map('signals');
    app.thread('joiner', async (running, t) => {
      await t.queue('jobs').put('job');
      await t.map('signals').set('joining', true);
      const done = await t.queue('jobs').join(600_000);
      await t.map('signals').set('ended', { done, running: running() });
    });
    await started(app);
    await waitFor(async () => (await app.map('signals').get('joining')) === true, 'the thread to join');
    await expect(app.stopThread('joiner', 10_000)).resolves.toMatchObject({ terminated: false });
    await expect(app.map('signals').get('ended')).resolves.toEqual({ done: false, running: false });
  });

  it('ends a main-side join with false when the service stops', async () => {
    const app = await started(new Daebus('queue_threads', { logger: captureLogger().logger }));
    app.queue('jobs', { scope: 'service' });
    await app.queue('jobs').put('job');
    const joined = app.queue('jobs').join(600_000);
    await new Promise((resolve) => setTimeout(resolve, 150)); // past its first look: polling
    await app.stop();
    await expect(joined).resolves.toBe(false);
  });
});
