// Threads consuming service-wide queues (in Redis) when they die, stop, or wait in numbers: what
// happens to the items and the waits, as for the in-process queues.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { appHoldingAGet } from '../support/held-get';
import { privateRedis, TEST_REDIS_URL, type PrivateRedis } from '../support/redis-server';

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

/** A private Redis for each test of the describe block that calls this; its apps stop before it. */
function privateServerPerTest(): { readonly server: PrivateRedis } {
  const own = {} as { server: PrivateRedis };
  beforeEach(async () => {
    own.server = await privateRedis();
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
    await own.server.stop();
  });
  return own;
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
    const app = appHoldingAGet('queue_threads');
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

// Before, a get/receive that found all 32 blocking readers busy waited for one to come free, while
// the item it waited for was already in its queue: with 32 gets waiting on an empty queue, a get
// on another queue got nothing within its timeout, or, given none, waited for ever.
describe('service-wide gets while every blocking reader is busy', () => {
  const own = privateServerPerTest();

  it('take an item that is there at once, and one put while they wait', async () => {
    const app = new Daebus('queue_threads', { logger: captureLogger().logger });
    app.queue('idle', { scope: 'service' });
    app.queue('work', { scope: 'service' });
    apps.push(app);
    await app.start({ service, redis: own.server.url });
    const idle = Array.from({ length: 32 }, () => app.queue('idle').get());
    const info = new Redis(own.server.url);
    try {
      await waitFor(async () => /blocked_clients:32\r?\n/.test(await info.info('clients')), 'every reader to block on the empty queue');
      await app.queue('work').put('job-1');
      await expect(app.queue('work').get(5_000)).resolves.toBe('job-1');
      const later = app.queue('work').get(5_000);
      await app.queue('work').put('job-2');
      await expect(later).resolves.toBe('job-2');
    } finally {
      info.disconnect();
    }
    await app.stop();
    await expect(Promise.all(idle)).resolves.toEqual(Array(32).fill(undefined));
  });
});

// Before, a get/receive whose reply was held up by this process's own event loop (a long
// synchronous run on the main thread) failed with TRANSPORT_ERROR, "Redis did not answer".
describe('a service-wide get while the main thread is held', () => {
  it('ends as usual once the main thread runs again, not with TRANSPORT_ERROR', async () => {
    const app = await started(new Daebus('queue_threads', { logger: captureLogger().logger }));
    app.queue('jobs', { scope: 'service' });
    await app.queue('jobs').put('warm'); // the group made, a reader ready
    await expect(app.queue('jobs').get(0)).resolves.toBe('warm');
    const waiting = app.queue('jobs').receive(200);
    await new Promise((resolve) => setTimeout(resolve, 50)); // its blocking read sent
    // held from a setImmediate: the timers come first when the loop turns again, before the socket
    // with Redis's answer is read (held from a timer, the turn's timers would count the time before)
    await new Promise((resolve) => setImmediate(resolve));
    const until = Date.now() + 1_500; // past its timeout and the 500 ms Redis is given past it
    while (Date.now() < until);
    await expect(waiting).resolves.toBeUndefined();
  });
});

// Before, ioredis sent a blocking read again by itself after its connection dropped and came back;
// CLIENT UNBLOCK could not name the new connection (its id unknown), so a stop did not end the
// wait (the thread was terminated at its deadline) and the read, left blocked, took the next item
// for no one. The reader whose id is not known is dropped now.
describe("a thread's wait on a service-wide queue whose reader connected again", () => {
  const own = privateServerPerTest();

  it('ends at the stop, and leaves no read behind to take the next item', async () => {
    const app = new Daebus('queue_threads', { logger: captureLogger().logger });
    app.queue('jobs', { scope: 'service' });
    app.map('signals');
    app.thread('waiter', async (running, t) => {
      const job = await t.queue('jobs').get();
      await t.map('signals').set('ended', { job: job ?? null, running: running() });
    });
    apps.push(app);
    const url = `redis://127.0.0.1:${own.server.port}`;
    await app.start({ service, redis: url });
    const admin = new Redis(url);
    try {
      const blockedReads = async (): Promise<string[]> =>
        String(await admin.call('CLIENT', 'LIST'))
          .split('\n')
          .filter((line) => / flags=b /.test(line) && / cmd=xreadgroup /.test(line))
          .map((line) => /\bid=(\d+)/.exec(line)?.[1] ?? '?');
      await waitFor(async () => (await blockedReads()).length === 1, 'the blocking read');
      const [first] = await blockedReads();
      await admin.call('CLIENT', 'KILL', 'ID', String(first));
      // ioredis connects again and sends the read again by itself
      await waitFor(async () => {
        const reads = await blockedReads();
        return reads.length === 1 && reads[0] !== first;
      }, 'the read sent again');
      await expect(app.stopThread('waiter', 10_000)).resolves.toMatchObject({ terminated: false });
      await expect(app.map('signals').get('ended')).resolves.toEqual({ job: null, running: false });
      await waitFor(async () => (await blockedReads()).length === 0, 'no read left blocked');
      await app.queue('jobs').put('A');
      await expect(app.queue('jobs').receive(5_000)).resolves.toMatchObject({ item: 'A', deliveries: 1 });
    } finally {
      admin.disconnect();
    }
  });
});
