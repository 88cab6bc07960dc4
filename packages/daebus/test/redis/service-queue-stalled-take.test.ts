// A replica whose get/receive of a service-wide queue was answered while it stalled (SIGSTOP, a
// long synchronous pause) for longer than visibilityTimeoutMs: another replica took the item
// over meanwhile ("held by a process that stopped") and delivered it. Before, the woken replica
// used the answer as it was, and its get() returned the item too (the reviewer saw 7 of 30 items
// got twice): at-most-once broken. A late answer is now used only while its item is still this
// replica's; the wait goes on for the next item.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { appHoldingAGet } from '../support/held-get';
import { privateRedisPerFile } from '../support/redis-server';
import { stallOnCommand, type Cli } from '../support/stall-after-read';

jest.setTimeout(60_000);

const VISIBILITY_MS = 400;
const file = privateRedisPerFile();
const { apps } = file;

async function replica(service: string): Promise<Daebus> {
  const app = new Daebus('stalled_take', { logger: captureLogger().logger });
  app.queue('jobs', { scope: 'service' });
  apps.push(app);
  await app.start({ service, redis: file.redis.url, replicas: { visibilityTimeoutMs: VISIBILITY_MS } });
  return app;
}

/** Stalls this replica once its blocking read of `key` is in Redis, while another replica takes the item put then and keeps it. */
function takenOverWhileStalled(key: string) {
  const blockingRead = (args: string[]): boolean => args[0]?.toLowerCase() === 'xreadgroup' && args.includes('BLOCK') && args.includes(key);
  return stallOnCommand(file.redis, blockingRead, 2 * VISIBILITY_MS, (cli: Cli) => {
    const id = cli('XADD', key, '*', 'v', '"taken over"'); // answers the blocked read: unread here
    const [, owner] = cli('XPENDING', key, 'daebus-queue', id, id, '1').split('\n');
    // the other replica claims it (visibilityTimeoutMs later, for real) and takes it for good
    cli('XCLAIM', key, 'daebus-queue', 'another-replica', '0', id, 'JUSTID');
    cli('XACK', key, 'daebus-queue', id);
    cli('XDEL', key, id);
    return owner;
  });
}

it.each(['get', 'receive'] as const)(
  'a %s answered while its replica stalled returns not the item another replica took over',
  async (op) => {
    const service = `stalled_take_${op}_${randomUUID()}`;
    const app = await replica(service);
    const jobs = app.queue<string>('jobs');
    await jobs.put('warm'); // the group made
    await expect(jobs.get(0)).resolves.toBe('warm');
    const key = `daebus:{${service}}:queue:jobs`;
    const { stalled } = await takenOverWhileStalled(key);
    const waiting = op === 'get' ? jobs.get(20_000) : jobs.receive(20_000).then((delivery) => delivery?.item);
    const owner = await stalled;
    expect(owner).toMatch(/./); // the read had it: pending under this replica's consumer
    await jobs.put('next');
    await expect(waiting).resolves.toBe('next');
  },
);

// The same stall while a thread held a service-wide get's item: another replica took the item
// over and put it back for any consumer. Before, the thread's end handed it back once more: the
// item was in the queue twice. A hand-back now puts back only an item still pending here.
it('hands back no second copy of an item another replica took over, when the thread that held it ends', async () => {
  const service = `stalled_take_thread_${randomUUID()}`;
  const app = appHoldingAGet('stalled_take');
  apps.push(app);
  await app.start({ service, redis: file.redis.url, replicas: { visibilityTimeoutMs: VISIBILITY_MS } });
  await waitFor(async () => (await app.map('signals').get('waiting')) === true, 'the thread to wait for an item');
  const key = `daebus:{${service}}:queue:jobs`;
  const admin = new Redis(file.redis.url);
  try {
    await app.queue('jobs').put('job-1');
    let id: string | undefined;
    await waitFor(async () => {
      const [entry] = (await admin.xpending(key, 'daebus-queue', '-', '+', 1)) as [string][];
      id = entry?.[0];
      return id !== undefined;
    }, 'the item to be taken');
    // the other replica, as after this one stalled past visibilityTimeoutMs: claimed, and back at the tail
    await admin.xclaim(key, 'daebus-queue', 'another-replica', 0, id as string, 'JUSTID');
    await admin
      .multi()
      .xadd(key, '*', 'v', '"job-1"', 'd', '1')
      .xack(key, 'daebus-queue', id as string)
      .xdel(key, id as string)
      .exec();
    await app.stopThread('spinner');
    await app.queue('jobs').put('end');
    const got: unknown[] = [];
    for (let item = await app.queue('jobs').get(10_000); item !== 'end'; item = await app.queue('jobs').get(10_000)) got.push(item);
    expect(got).toEqual(['job-1']);
  } finally {
    admin.disconnect();
  }
});
