// Python Daebus callers publish requests with no deadline: the replica that takes them into the
// request stream gives each one that waits for a reply a deadline of its own
// (untimedRequestTimeoutMs), so that it is dropped unrun once its caller gave up, rather than run
// late. Messages that wait for no reply keep no deadline: they still run, however late.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DEFAULT_REPLICA_OPTIONS } from 'daebus';
import { expectsReply } from '../../src/main/replicas/expects-reply';
import { serviceKeys, type ServiceKeys } from '../../src/main/replicas/keys';
import { resolveReplicaOptions } from '../../src/main/replicas/options';
import { RequestEncoder } from '../../src/main/rpc/outgoing-json';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

const UNTIMED_MS = 200;
/**
 * A replica reads the server's clock through an offset taken from its heartbeats, off by up to
 * half a round trip: on a loaded machine, tens of ms. The tests wait that much past a deadline.
 */
const CLOCK_MARGIN_MS = 150;

let service: string;
let keys: ServiceKeys;
let redis: Redis;
let app: Daebus;
let release: () => void;
let runs: Record<string, number>;

beforeEach(() => {
  service = `untimed_${randomUUID()}`;
  keys = serviceKeys(service);
  redis = new Redis(TEST_REDIS_URL);
  runs = {};
  const held = new Promise<void>((resolve) => (release = resolve));
  app = new Daebus('untimed', { logger: captureLogger().logger });
  // holds its replica's only slot (maxInFlight 1) until the test lets it go
  app.action('hold', async () => {
    await held;
  });
  app.action(
    'charge',
    async ({ order }) => {
      runs[String(order)] = (runs[String(order)] ?? 0) + 1;
      if (order === 'first') await held;
      return { charged: order };
    },
    { concurrency: 1 },
  );
});

afterEach(async () => {
  release();
  await app.stop();
  const left = await redis.keys(`*{${service}}*`);
  if (left.length > 0) await redis.del(...left);
  await redis.quit();
});

/** A request as Python Daebus's send_request publishes it: a reply channel and id, no deadline. */
function pythonRequest(action: string, payload: Record<string, unknown>, replyTo: string): string {
  return `{"action": "${action}", "payload": ${JSON.stringify(payload)}, "reply_to": "${replyTo}", "request_id": "${randomUUID()}", "service": "${service}"}`;
}

async function start(replicas: Record<string, number>): Promise<void> {
  await app.start({ service, redis: TEST_REDIS_URL, replicas: { heartbeatMs: 100, untimedRequestTimeoutMs: UNTIMED_MS, ...replicas } });
  await waitFor(async () => ((await redis.pubsub('NUMSUB', service)) as [string, number])[1] === 1, 'the replica to take pub/sub requests');
}

/** The fields of the stream entry whose message is `raw`, once it is there, and its time (ms). */
async function entryOf(raw: string): Promise<{ fields: Record<string, string>; at: number }> {
  let found: [string, string[]] | undefined;
  await waitFor(async () => {
    found = (await redis.xrange(keys.requests, '-', '+')).find(([, f]) => f[f.indexOf('m') + 1] === raw);
    return found !== undefined;
  }, 'the message in the request stream');
  const [id, list] = found as [string, string[]];
  const fields = Object.fromEntries(list.flatMap((_, i) => (i % 2 ? [] : [[list[i], list[i + 1]]]))) as Record<string, string>;
  return { fields, at: Number(id.split('-')[0]) };
}

/** Until the Redis server's clock is past `ms`. */
async function redisTimePast(ms: number): Promise<void> {
  await waitFor(async () => {
    const [s, us] = await redis.time();
    return Number(s) * 1000 + Number(us) / 1000 > ms;
  }, 'the deadline to pass');
}

describe('a request from a Python caller, taken in from pub/sub', () => {
  it('is dropped unrun, with no reply, once untimedRequestTimeoutMs passed before a replica read it', async () => {
    await start({ maxInFlight: 1 });
    const replies: string[] = [];
    const subscriber = new Redis(TEST_REDIS_URL);
    const replyTo = `caller:${randomUUID()}`;
    subscriber.on('message', (_channel: string, message: string) => replies.push(message));
    await subscriber.subscribe(replyTo);
    try {
      await redis.publish(service, JSON.stringify({ action: 'hold' })); // the replica's one slot is taken
      await waitFor(async () => ((await redis.xpending(keys.requests, 'daebus')) as [number])[0] === 1, 'the slot taken');
      const raw = pythonRequest('charge', { order: 'late' }, replyTo);
      await redis.publish(service, raw);
      const { fields, at } = await entryOf(raw);
      await redisTimePast(at + UNTIMED_MS + CLOCK_MARGIN_MS);
      release();
      // a later message, read after it, proves the replica went past it
      await redis.publish(service, pythonRequest('charge', { order: 'after' }, replyTo));
      await waitFor(() => runs.after === 1, 'the later request run');
      await waitFor(async () => (await redis.xlen(keys.requests)) === 0, 'the stream to empty');
      expect(runs.late).toBeUndefined();
      // the reply goes out on its own connection: it can come after the stream emptied (CI failed once so)
      await waitFor(() => replies.length > 0, 'the later request answered');
      expect(replies.map((r) => (JSON.parse(r) as { payload: unknown }).payload)).toEqual([{ charged: 'after' }]);
      expect(fields.t).toBe(String(UNTIMED_MS));
    } finally {
      subscriber.disconnect();
    }
  });

  it('is dropped rather than handed back once its deadline passed while it waited for a slot', async () => {
    await start({});
    const replyTo = `caller:${randomUUID()}`;
    await redis.publish(service, pythonRequest('charge', { order: 'first' }, replyTo));
    await waitFor(() => runs.first === 1, 'the first request running');
    const waiting = pythonRequest('charge', { order: 'waiting' }, replyTo);
    await redis.publish(service, waiting);
    const { at } = await entryOf(waiting);
    await waitFor(async () => ((await redis.xpending(keys.requests, 'daebus')) as [number])[0] === 2, 'both taken by the replica');
    await redisTimePast(at + UNTIMED_MS + CLOCK_MARGIN_MS);
    const stopping = app.stop(); // hands back what has not started
    await waitFor(async () => ((await redis.xpending(keys.requests, 'daebus')) as [number])[0] === 1, 'the waiting one handed back');
    release();
    await stopping;
    expect(runs).toEqual({ first: 1 });
    expect(await redis.xlen(keys.requests)).toBe(0);
  });

  it('keeps no deadline when it waits for no reply (fire and forget): it runs however late', async () => {
    await start({ maxInFlight: 1 });
    await redis.publish(service, JSON.stringify({ action: 'hold' }));
    await waitFor(async () => ((await redis.xpending(keys.requests, 'daebus')) as [number])[0] === 1, 'the slot taken');
    const raw = JSON.stringify({ order: 'note', action: 'charge' }); // Python's send_to_service
    await redis.publish(service, raw);
    const { fields, at } = await entryOf(raw);
    await redisTimePast(at + UNTIMED_MS + CLOCK_MARGIN_MS);
    release();
    await waitFor(() => runs.note === 1, 'the message run');
    expect(fields.t).toBeUndefined();
  });
});

describe('telling the messages that wait for a reply', () => {
  it('by a reply channel or a request id at the top level of the message', () => {
    expect(expectsReply(pythonRequest('charge', { order: 1 }, 'caller:x'))).toBe(true);
    expect(expectsReply(new RequestEncoder('caller:y', service).encode('charge', '{"order":1}', 'id-1'))).toBe(true);
    expect(expectsReply('{"action": "charge", "request_id": "id-2"}')).toBe(true);
    expect(expectsReply('{"order": 1, "action": "charge"}')).toBe(false);
    expect(expectsReply('{"action": "charge", "payload": {"reply_to": "caller:z", "request_id": "id-3"}}')).toBe(false);
    expect(expectsReply('{"action": "charge", "request_id": null}')).toBe(false);
    expect(expectsReply('{"action": "charge", "reply_to": "caller:z"')).toBe(true); // broken: answered with an error at once
  });
});

describe('the untimedRequestTimeoutMs option', () => {
  it('defaults to visibilityTimeoutMs default, and is checked as a timeout', () => {
    expect(DEFAULT_REPLICA_OPTIONS.untimedRequestTimeoutMs).toBe(30_000);
    expect(DEFAULT_REPLICA_OPTIONS.untimedRequestTimeoutMs).toBe(DEFAULT_REPLICA_OPTIONS.visibilityTimeoutMs);
    expect(resolveReplicaOptions(true).untimedRequestTimeoutMs).toBe(30_000);
    expect(resolveReplicaOptions({ untimedRequestTimeoutMs: 5_000 }).untimedRequestTimeoutMs).toBe(5_000);
    for (const bad of [0, -1, 'soon', Number.NaN]) {
      expect(() => resolveReplicaOptions({ untimedRequestTimeoutMs: bad as number })).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('untimedRequestTimeoutMs') }),
      );
    }
  });
});
