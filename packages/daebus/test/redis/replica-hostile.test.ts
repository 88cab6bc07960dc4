// Requests a replicated service cannot take whole (fields nested too deep to describe) are answered
// and taken out of the request stream: they never hold one of the replica's maxInFlight places.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

const DEEP = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
let service: string;
const closers: (() => Promise<unknown>)[] = [];

beforeEach(() => {
  service = `replica_hostile_${randomUUID()}`;
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  const redis = new Redis(TEST_REDIS_URL);
  const keys = await redis.keys(`*{${service}}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

it('answers published requests with a deep action with BAD_REQUEST and keeps serving past maxInFlight of them', async () => {
  const app = new Daebus('hostile', { logger: captureLogger().logger });
  app.action('echo', (payload) => payload);
  await app.start({ service, redis: TEST_REDIS_URL, replicas: { maxInFlight: 2 } });
  closers.push(() => app.stop());
  const redis = new Redis(TEST_REDIS_URL);
  const sub = new Redis(TEST_REDIS_URL);
  closers.push(
    () => redis.quit(),
    () => sub.quit(),
  );
  const replyTo = `caller:${randomUUID()}`;
  const replies: Record<string, unknown>[] = [];
  sub.on('message', (_channel: string, text: string) => void replies.push(JSON.parse(text) as Record<string, unknown>));
  await sub.subscribe(replyTo);
  // as a Python caller sends: on the service's channel, taken into the request stream by the lease holder
  await waitFor(async () => (await redis.pubsub('NUMSUB', service))[1] === 1, 'the lease holder to subscribe');
  for (let i = 0; i < 3; i++) {
    await redis.publish(service, `{"action": ${DEEP}, "payload": {}, "reply_to": "${replyTo}", "request_id": "deep-${i}"}`);
  }
  await waitFor(() => replies.length === 3, 'an answer to each deep request');
  expect(replies.map((r) => [r.request_id, (r.payload as { code?: unknown }).code])).toEqual([
    ['deep-0', 'BAD_REQUEST'],
    ['deep-1', 'BAD_REQUEST'],
    ['deep-2', 'BAD_REQUEST'],
  ]);
  // before, each stayed held (its maxInFlight place taken) and the read loop stopped: this timed out
  const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 5_000 });
  closers.push(() => caller.close());
  await expect(caller.sendRequest('echo', { n: 1 })).resolves.toEqual({ n: 1 });
  await waitFor(async () => (await redis.xlen(`daebus:{${service}}:requests`)) === 0, 'the stream to be empty');
});
