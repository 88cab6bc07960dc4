// A service-wide queue's ack() or release() made while the connection to Redis is down: it fails
// (TRANSPORT_ERROR) and can be made again once the connection is back; made or not, the item is
// not held for ever (it was: renewed by this process, delivered to no one, join() never true).
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

/** A TCP proxy to Redis that can be taken down (every connection dropped, new ones refused) and brought back. */
class Outage {
  readonly server: Server;
  readonly #sockets = new Set<Socket>();
  #down = false;

  constructor(target: URL) {
    this.server = createServer((client) => {
      if (this.#down) return void client.destroy();
      const redis = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, redis]) {
        this.#sockets.add(socket);
        socket.on('error', () => undefined).on('close', () => (this.#sockets.delete(socket), client.destroy(), redis.destroy()));
      }
      client.pipe(redis).pipe(client);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  down(): void {
    this.#down = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  up(): void {
    this.#down = false;
  }

  close(): void {
    this.down();
    this.server.close();
  }
}

let service: string;
let outage: Outage;
let app: Daebus;
let redis: Redis;

beforeEach(async () => {
  service = `queue_outage_${randomUUID()}`;
  outage = new Outage(new URL(TEST_REDIS_URL));
  const port = await outage.listen();
  app = new Daebus('outage', { logger: captureLogger().logger });
  app.queue('jobs', { scope: 'service' });
  await app.start({
    service,
    redis: { host: '127.0.0.1', port, retryStrategy: () => 50 },
    replicas: { visibilityTimeoutMs: 1_000, heartbeatMs: 200 },
  });
  redis = new Redis(TEST_REDIS_URL);
});
afterEach(async () => {
  outage.up();
  await app.stop();
  outage.close();
  const keys = await redis.keys(`*{${service}}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

const stream = (): string => `daebus:{${service}}:queue:jobs`;
const pending = async (): Promise<number> => ((await redis.xpending(stream(), 'daebus-queue')) as [number])[0];

async function outageFailure(settle: () => Promise<void>): Promise<unknown> {
  outage.down();
  // the drop seen first: a call made before that is sent, and may apply when the connection is back
  await waitFor(() => app.cache.status !== 'ready', 'the connection to drop');
  const failure = await settle().catch((e: unknown) => e);
  outage.up();
  await waitFor(
    async () =>
      (await app
        .queue('jobs')
        .size()
        .catch(() => -1)) >= 0,
    'the connection to come back',
  );
  return failure;
}

describe('a service-wide delivery settled while Redis is unreachable', () => {
  it.each(['ack', 'release'] as const)('%s: fails, and can be made again once the connection is back', async (op) => {
    const jobs = app.queue<string>('jobs');
    await jobs.put('a');
    const delivery = await jobs.receive(0);
    expect(await outageFailure(() => delivery![op]())).toMatchObject({ code: 'TRANSPORT_ERROR' });
    await delivery![op](); // made again: done this time
    await expect(delivery![op === 'ack' ? 'release' : 'ack']()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    expect(await pending()).toBe(0);
    if (op === 'ack') {
      await expect(jobs.join(1_000)).resolves.toBe(true);
      expect(await redis.xlen(stream())).toBe(0);
    } else {
      const again = await jobs.receive(0);
      expect(again).toMatchObject({ item: 'a', deliveries: 2 });
      await again!.ack();
    }
  });

  it.each(['ack', 'release'] as const)('%s: not made again, the item is delivered again after visibilityTimeoutMs', async (op) => {
    const jobs = app.queue<string>('jobs');
    await jobs.put('a');
    const delivery = await jobs.receive(0);
    expect(await outageFailure(() => delivery![op]())).toMatchObject({ code: 'TRANSPORT_ERROR' });
    // before: renewed by this process for as long as it lived, and received by no one
    const again = await jobs.receive(10_000);
    expect(again).toMatchObject({ item: 'a', deliveries: 2, redelivered: true });
    await again!.ack();
    await expect(jobs.join(1_000)).resolves.toBe(true);
    expect(await pending()).toBe(0);
  });
});
