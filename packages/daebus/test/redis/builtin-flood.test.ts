// A flood of built-in requests (anyone on the Redis server can send them) must not make the
// health check answer BUSY: daebus.ping and daebus.health have slots of their own. Before, they
// shared 8 running and 64 waiting with daebus.info and daebus.threads, and a health check sent
// behind 5,000 daebus.threads requests got BUSY, with advice to raise limits it cannot change.
// The flood is of daebus.replicas, whose handler is async: the requests one socket read brings
// are all taken in before any of them ends, so they fill the slots (a synchronous built-in such
// as daebus.threads ends as it is taken in, and gives its slot back at once).
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(60_000);

let app: Daebus;
let redis: Redis;
let subscriber: Redis;

beforeEach(() => {
  redis = new Redis(TEST_REDIS_URL);
  subscriber = new Redis(TEST_REDIS_URL);
});
afterEach(async () => {
  await app.stop();
  subscriber.disconnect();
  await redis.quit();
});

describe('a flood of built-in requests', () => {
  it('leaves daebus.health and daebus.ping answered; the others answer BUSY with advice that fits them', async () => {
    const service = `builtin_flood_${randomUUID()}`;
    app = new Daebus('flood', { logger: captureLogger().logger });
    await app.start({ service, redis: TEST_REDIS_URL });
    const replyTo = `caller:${randomUUID()}`;
    const replies = new Map<string, { status: string; payload: { code?: string; error?: string } }>();
    subscriber.on('message', (_channel: string, message: string) => {
      const reply = JSON.parse(message) as { request_id: string; status: string; payload: { code?: string; error?: string } };
      replies.set(reply.request_id, reply);
    });
    await subscriber.subscribe(replyTo);
    const request = (action: string, id: string): string => JSON.stringify({ action, payload: {}, reply_to: replyTo, request_id: id });
    const flood = 5_000;
    const pipeline = redis.pipeline();
    for (let i = 0; i < flood; i++) pipeline.publish(service, request('daebus.replicas', `r${i}`));
    pipeline.publish(service, request('daebus.health', 'health'));
    pipeline.publish(service, request('daebus.ping', 'ping'));
    await pipeline.exec();
    await waitFor(() => replies.size === flood + 2, 'every request answered');
    expect(replies.get('health')).toMatchObject({ status: 'success' });
    expect(replies.get('ping')).toMatchObject({ status: 'success' });
    const busy = [...replies.values()].filter((reply) => reply.payload.code === 'BUSY');
    // the flood did fill the other built-ins' slots (else this shows nothing)
    expect(busy.length).toBeGreaterThan(0);
    expect(busy[0]?.payload.error).toMatch(
      /^Action "daebus.replicas" is busy: 8 running and 64 waiting\. Try again later \(the built-in actions have fixed limits\)\.$/,
    );
  });
});
