// Leaving a channel on Redis: every message Redis delivered before it confirmed the UNSUBSCRIBE
// was published while this process was subscribed, and its publisher counted it (a caller waits
// for a reply then, not NO_SUBSCRIBER). Each reaches the handler; none is dropped on the way out.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { RedisTransport } from 'daebus';
import { waitFor } from '../support/helpers';
import { privateRedis, TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

const closing: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0)) await close();
});

describe('a Redis transport leaving a channel', () => {
  it('hands its handler every message a publisher counted it for, up to the confirmed UNSUBSCRIBE', async () => {
    const channel = `test-unsubscribe-window-${randomUUID()}`;
    const transport = new RedisTransport(TEST_REDIS_URL);
    closing.push(() => transport.close());
    const publisher = new Redis(TEST_REDIS_URL);
    closing.push(() => publisher.quit());
    await transport.connect();
    let received = 0;
    let leaving: Promise<void> | undefined;
    const handler = (): void => {
      received += 1;
      // leave at the first message: the rest of the batch is still on its way to this process
      leaving ??= transport.unsubscribe(channel, handler);
    };
    await transport.subscribe(channel, handler);
    // one pipeline: Redis runs the whole batch before it reads the UNSUBSCRIBE sent on the first
    const body = 'x'.repeat(1_024);
    const batch = publisher.pipeline();
    for (let i = 0; i < 2_000; i++) batch.publish(channel, body);
    const replies = (await batch.exec()) ?? [];
    const counted = replies.reduce((sum, [err, receivers]) => sum + (err === null ? Number(receivers) : 0), 0);
    // the publisher's replies can come back before the subscriber's socket is read (a loaded
    // machine: CI saw none received yet): the leave starts at the first message, whenever it comes
    await waitFor(() => leaving !== undefined, 'the first message');
    await leaving;
    expect(counted).toBeGreaterThan(1); // the test's premise: the batch was published while subscribed
    expect(received).toBe(counted);
    // and the channel is left for good
    expect(await publisher.publish(channel, 'after')).toBe(0);
  });

  it('stays subscribed for a handler that joins again before Redis confirmed the UNSUBSCRIBE, the same one or another', async () => {
    const transport = new RedisTransport(TEST_REDIS_URL);
    closing.push(() => transport.close());
    const publisher = new Redis(TEST_REDIS_URL);
    closing.push(() => publisher.quit());
    await transport.connect();
    for (const same of [true, false]) {
      const channel = `test-unsubscribe-rejoin-${randomUUID()}`;
      const got: string[] = [];
      const first = (message: string): void => void got.push(`first ${message}`);
      const second = (message: string): void => void got.push(`second ${message}`);
      await transport.subscribe(channel, first);
      const leaving = transport.unsubscribe(channel, first); // not awaited: the UNSUBSCRIBE is on its way
      await transport.subscribe(channel, same ? first : second);
      await leaving;
      expect(await publisher.publish(channel, 'hello')).toBe(1);
      await waitFor(() => got.length > 0, 'the message');
      expect(got).toEqual([same ? 'first hello' : 'second hello']);
      await transport.unsubscribe(channel, same ? first : second);
      expect(await publisher.publish(channel, 'gone')).toBe(0);
    }
  });

  it('leaves for good a channel left while Redis was down, which ioredis would subscribe again as it reconnects', async () => {
    // a replica that lost its lease during an outage stayed subscribed to the service channel for
    // good, and the lease holder warned of a second subscriber running every request
    const server = await privateRedis();
    closing.push(() => server.stop());
    const transport = new RedisTransport({ host: '127.0.0.1', port: server.port, retryStrategy: () => 50 });
    closing.push(() => transport.close());
    await transport.connect();
    const channels = [`test-left-offline-${randomUUID()}`, `test-kept-${randomUUID()}`];
    const handlers = channels.map(() => (): void => undefined);
    for (const [i, channel] of channels.entries()) await transport.subscribe(channel, handlers[i] as () => void);
    await server.stop();
    await waitFor(() => !transport.isConnected(), 'the transport to see the outage');
    // past ioredis's first reconnect attempts: its connection is no longer 'ready', so nothing is sent
    await new Promise((resolve) => setTimeout(resolve, 300));
    await transport.unsubscribe(channels[0] as string, handlers[0] as () => void);
    await server.start();
    await waitFor(() => transport.isConnected(), 'the transport to be back');
    const admin = new Redis(server.url);
    closing.push(() => admin.quit());
    const subscribers = async (): Promise<number[]> =>
      ((await admin.pubsub('NUMSUB', ...channels)) as (string | number)[]).filter((_, i) => i % 2 === 1).map(Number);
    await waitFor(async () => (await subscribers())[0] === 0, 'the channel left offline to have no subscriber', 5_000);
    expect(await subscribers()).toEqual([0, 1]);
    // joined again and left again while connected: left for good (before, the offline leave was
    // still counted as under way, and the second leave sent no UNSUBSCRIBE)
    const again = (): void => undefined;
    await transport.subscribe(channels[0] as string, again);
    expect(await subscribers()).toEqual([1, 1]);
    await transport.unsubscribe(channels[0] as string, again);
    expect(await subscribers()).toEqual([0, 1]);
  });
});
