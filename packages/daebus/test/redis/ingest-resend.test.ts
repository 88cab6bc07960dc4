// A replica's connection to Redis drops after Redis ran an add of a pub/sub request to the request
// stream and before its answer came back: ioredis sends the add again on the new connection. The
// request must still run once (the network-fault review saw 1-10 requests of 960 run twice).
import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

/** A TCP proxy to Redis that, once armed, lets the next add of a marked request reach Redis, drops Redis's answers for 300 ms, then resets every connection. */
class CuttingProxy {
  readonly server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #blackhole = false;
  armed = false;
  cuts = 0;

  constructor(target: URL, marker: string) {
    this.server = createServer((client) => {
      const redis = connect(Number(target.port || 6379), target.hostname);
      const pair: [Socket, Socket] = [client, redis];
      this.#pairs.add(pair);
      client.on('data', (chunk) => {
        redis.write(chunk);
        const text = chunk.toString('latin1');
        if (this.armed && /evalsha/i.test(text) && text.includes(marker)) {
          this.armed = false;
          this.#cut();
        }
      });
      redis.on('data', (chunk) => {
        if (!this.#blackhole) client.write(chunk);
      });
      const end = (): void => {
        this.#pairs.delete(pair);
        client.destroy();
        redis.destroy();
      };
      for (const socket of pair) socket.on('error', end).on('close', end);
    });
  }

  #cut(): void {
    this.#blackhole = true;
    setTimeout(() => {
      this.cuts += 1;
      for (const [client, redis] of this.#pairs) {
        client.destroy();
        redis.destroy();
      }
      this.#blackhole = false;
    }, 300);
  }

  close(): void {
    this.server.close();
    for (const [client, redis] of this.#pairs) {
      client.destroy();
      redis.destroy();
    }
  }
}

it('runs a pub/sub request once when ioredis sends its add to the stream again after a reconnect', async () => {
  const service = `ingest_resend_${randomUUID()}`;
  const proxy = new CuttingProxy(new URL(TEST_REDIS_URL), '"marked-');
  await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
  const port = (proxy.server.address() as { port: number }).port;
  const runs = new Map<string, number>();
  const app = new Daebus('resend', { logger: captureLogger().logger });
  app.action('echo', (payload) => {
    const id = String(payload.id);
    runs.set(id, (runs.get(id) ?? 0) + 1);
    return { id };
  });
  const publisher = new Redis(TEST_REDIS_URL);
  try {
    await app.start({ service, redis: `redis://127.0.0.1:${port}`, replicas: { heartbeatMs: 200, visibilityTimeoutMs: 1_000 } });
    await waitFor(async () => (await publisher.pubsub('NUMSUB', service))[1] === 1, 'the lease holder to subscribe');
    // as a Python caller publishes a request
    const publish = (id: string): Promise<number> =>
      publisher.publish(service, JSON.stringify({ action: 'echo', payload: { id }, reply_to: `caller:${randomUUID()}`, request_id: id }));
    // the add's script loaded first: the add cut is then one Redis runs at once
    await publish('warm-up');
    await waitFor(() => runs.has('warm-up'), 'the first request to run');
    proxy.armed = true;
    await publish('marked-1');
    await waitFor(() => proxy.cuts === 1, 'the cut');
    await waitFor(async () => (await publisher.pubsub('NUMSUB', service))[1] === 1, 'the holder to subscribe again', 10_000);
    await publish('after');
    await waitFor(() => runs.has('after') && runs.has('marked-1'), 'both requests to run', 10_000);
    // the reader's answer was cut too: the entry it had been handed runs once it is reclaimed
    // (visibilityTimeoutMs); a second add of it would run as well, by then or within a reclaim
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(Object.fromEntries(runs)).toEqual({ 'warm-up': 1, 'marked-1': 1, after: 1 });
  } finally {
    await app.stop();
    publisher.disconnect();
    proxy.close();
    const redis = new Redis(TEST_REDIS_URL);
    const keys = await redis.keys(`*{${service}}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});
