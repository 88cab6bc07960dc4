// A Redis that stalls: its connections stay open and nothing is answered (a server busy in a
// long command, a network path that stops passing packets). A private server runs DEBUG SLEEP,
// which holds every connection at once, blocked reads too.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger } from '../support/helpers';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

let server: PrivateRedis;
const apps: Daebus[] = [];

beforeAll(async () => {
  server = await privateRedis(['--enable-debug-command', 'yes']);
});

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

async function service(): Promise<Daebus> {
  const app = new Daebus('stalled', { logger: captureLogger().logger });
  app.queue('jobs', { scope: 'service' });
  apps.push(app);
  await app.start({ service: `stalled_${randomUUID()}`, redis: server.url });
  return app;
}

/** Stall the server for `seconds`; resolves when it answers again. */
async function stall(seconds: number): Promise<{ over: Promise<void>; isOver: () => boolean }> {
  const admin = new Redis(server.url);
  await admin.ping();
  let done = false;
  const over = admin
    .call('DEBUG', 'SLEEP', String(seconds))
    .then(() => admin.quit())
    .then(() => {
      done = true;
    });
  return { over, isOver: () => done };
}

describe('a service-wide queue while Redis stalls', () => {
  it('fails a get or receive with TRANSPORT_ERROR soon after its timeout, not at the end of the stall; it works again after', async () => {
    const app = await service();
    const jobs = app.queue<{ id: number }>('jobs');
    // a blocking read already waiting in Redis, and reads sent during the stall
    const waiting = jobs.receive(300).then(
      () => 'answered',
      (err: unknown) => err,
    );
    const stalled = await stall(4);
    const during = [jobs.get(200), jobs.receive(0)].map((p) =>
      p.then(
        () => 'answered',
        (err: unknown) => err,
      ),
    );
    for (const outcome of [await waiting, ...(await Promise.all(during))]) {
      expect(outcome).toMatchObject({ code: 'TRANSPORT_ERROR', message: expect.stringContaining('Redis did not answer within') });
    }
    // before, each waited for the stall to end (the whole of it, however long)
    expect(stalled.isOver()).toBe(false);
    await stalled.over;
    await jobs.put({ id: 1 });
    const delivery = await jobs.receive(2_000);
    expect(delivery?.item).toEqual({ id: 1 });
    await delivery?.ack();
  });
});
