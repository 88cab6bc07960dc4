// A Redis that stalls: its connections stay open and nothing is answered (a server busy in a
// long command, a network path that stops passing packets). A private server runs DEBUG SLEEP,
// which holds every connection at once, blocked reads too.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { http } from '../support/http-client';
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
  await app.start({ service: `stalled_${randomUUID()}`, redis: server.url, http: { host: '127.0.0.1', port: 0 } });
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

describe('health while Redis stalls', () => {
  it('turns /readyz 503 with the transport not connected while Redis leaves its PINGs unanswered, and 200 again after', async () => {
    const app = await service();
    const readyz = async (): Promise<{ status: number; body: unknown }> => http(`${app.http.url as string}/readyz`);
    expect((await readyz()).status).toBe(200);
    const stalled = await stall(6);
    // before, it said ready for the whole stall: the connections stay open and look ready
    await waitFor(async () => (await readyz()).status === 503, 'readyz 503 during the stall');
    expect((await readyz()).body).toMatchObject({ ready: false, status: 'failing', transport: { connected: false } });
    expect(stalled.isOver()).toBe(false);
    await stalled.over;
    await waitFor(async () => (await readyz()).status === 200, 'readyz 200 once Redis answers again');
    expect(sampleConnected(await app.metrics())).toBe(1);
  });
});

/** `daebus_transport_connected` in the exposition text. */
function sampleConnected(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('daebus_transport_connected '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}
