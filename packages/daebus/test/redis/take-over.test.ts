// What a dead consumer held, taken over by a live replica: its durable requests within the
// replica's maxInFlight, and a service-wide queue's items however many a live consumer holds
// before them. The dead consumer is made here by hand (XREADGROUP under a name no process has).
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { privateRedisPerFile } from '../support/redis-server';

jest.setTimeout(60_000);

const file = privateRedisPerFile();
let redis: Redis;

beforeAll(() => {
  redis = new Redis(file.redis.url);
});

afterAll(async () => {
  await redis.quit();
});

it("runs a dead replica's requests no more at once than its maxInFlight allows", async () => {
  const service = `take_over_${randomUUID()}`;
  const stream = `daebus:{${service}}:requests`;
  await redis.xgroup('CREATE', stream, 'daebus', '0', 'MKSTREAM');
  for (let i = 0; i < 6; i++) {
    const raw = JSON.stringify({ action: 'slow', payload: { i }, reply_to: `caller:${randomUUID()}`, request_id: `r${i}` });
    await redis.xadd(stream, '*', 'm', raw);
  }
  await redis.xreadgroup('GROUP', 'daebus', 'dead-replica', 'COUNT', 6, 'STREAMS', stream, '>');
  let running = 0;
  let most = 0;
  let ran = 0;
  const app = new Daebus('take-over', { logger: captureLogger().logger });
  app.action('slow', async () => {
    most = Math.max(most, ++running);
    await new Promise((resolve) => setTimeout(resolve, 300));
    running -= 1;
    ran += 1;
    return {};
  });
  file.apps.push(app);
  await app.start({ service, redis: file.redis.url, replicas: { visibilityTimeoutMs: 500, maxInFlight: 2 } });
  await waitFor(() => ran === 6, 'every request taken over to run');
  // before: all 6 at once, claimed in one tick on top of the replica's own work
  expect(most).toBe(2);
});

it("takes back a dead consumer's queue item behind more than 1,000 items a live consumer holds", async () => {
  const service = `take_over_${randomUUID()}`;
  const stream = `daebus:{${service}}:queue:jobs`;
  await redis.xgroup('CREATE', stream, 'daebus-queue', '0', 'MKSTREAM');
  const adds = redis.pipeline();
  for (let i = 0; i < 1_100; i++) adds.xadd(stream, '*', 'v', JSON.stringify({ live: i }));
  adds.xadd(stream, '*', 'v', JSON.stringify({ dead: true }));
  await adds.exec();
  const read = (await redis.xreadgroup('GROUP', 'daebus-queue', 'live', 'COUNT', 1_100, 'STREAMS', stream, '>')) as [
    string,
    [string, string[]][],
  ][];
  const held = read[0]?.[1] ?? [];
  expect(held).toHaveLength(1_100);
  await redis.xreadgroup('GROUP', 'daebus-queue', 'dead', 'COUNT', 1, 'STREAMS', stream, '>');
  // the live consumer renews what it holds, as a live replica does
  const renew = (): Promise<unknown> => redis.xclaim(stream, 'daebus-queue', 'live', 0, ...held.map(([id]) => id), 'JUSTID');
  const renewing = setInterval(() => void renew(), 100);
  try {
    const captured = captureLogger();
    const app = new Daebus('take-over', { logger: captured.logger });
    file.apps.push(app);
    await app.start({ service, redis: file.redis.url, replicas: { visibilityTimeoutMs: 500 } });
    // before: still pending under "dead" for good (each tick scanned the first 1,000 held items only)
    const delivery = await app.queue<{ dead?: boolean }>('jobs', { scope: 'service' }).receive(10_000);
    expect(delivery).toMatchObject({ item: { dead: true }, deliveries: 2, redelivered: true });
    await delivery?.ack();
    // the line says which entry, and that a stall can be the cause as well as a death (before: "a process that stopped")
    expect(captured.records.map((r) => String(r.message))).toContainEqual(
      expect.stringMatching(
        /^Queue "jobs": entry \d+-\d+ \(delivered 1 time\(s\)\) was held 500 ms without being renewed \(its process died, or/,
      ),
    );
  } finally {
    clearInterval(renewing);
  }
});
