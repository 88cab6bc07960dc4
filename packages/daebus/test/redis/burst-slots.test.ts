// A handler that is done gives its action's slot to the next request as soon as its reply is
// handed to Redis, not when Redis answers the publish. Before, a burst of requests for an action
// that answers at once was turned away (BUSY) past concurrency + maxQueued, though nothing ran:
// each request kept its slot for a round trip to Redis after its handler had returned.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller, RedisTransport, request, response, type Transport } from 'daebus';
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

type Reply = { request_id: string; status: string; payload: { code?: string; i?: number } };

/** `inner`, but for the replies it publishes (on `caller:` channels), which go through `reply` instead. */
function repliesThrough(inner: RedisTransport, reply: () => Promise<number>): Transport {
  return {
    get description() {
      return inner.description;
    },
    connect: () => inner.connect(),
    subscribe: (channel, handler) => inner.subscribe(channel, handler),
    unsubscribe: (channel, handler) => inner.unsubscribe(channel, handler),
    close: () => inner.close(),
    isConnected: () => inner.isConnected(),
    publish: (channel, message) => (channel.startsWith('caller:') ? reply() : inner.publish(channel, message)),
  };
}

/** Publish `count` requests for `action` in one pipeline, with replies to a channel the subscriber reads. */
async function burst(service: string, action: string, count: number): Promise<void> {
  const replyTo = `caller:${randomUUID()}`;
  await subscriber.subscribe(replyTo);
  const pipeline = redis.pipeline();
  for (let i = 0; i < count; i++) {
    pipeline.publish(service, JSON.stringify({ action, payload: { i }, reply_to: replyTo, request_id: `${action}-${i}` }));
  }
  await pipeline.exec();
}

describe('a burst of requests for an action with small limits', () => {
  const limits = { concurrency: 2, maxQueued: 2 };
  const count = 300;

  it('is answered whole when its handler returns at once, or returns response.send(); a handler still running keeps its slot', async () => {
    const service = `burst_slots_${randomUUID()}`;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    app = new Daebus('burst', { logger: captureLogger().logger });
    app.action('returns', (payload) => payload, limits);
    app.action('sends', () => response.send(request.payload), limits);
    app.action(
      'waits',
      async (payload) => {
        await gate;
        return payload;
      },
      limits,
    );
    await app.start({ service, redis: TEST_REDIS_URL });
    const replies = new Map<string, Reply>();
    subscriber.on('message', (_channel: string, message: string) => {
      const reply = JSON.parse(message) as Reply;
      replies.set(reply.request_id, reply);
    });

    for (const action of ['returns', 'sends']) {
      await burst(service, action, count);
      await waitFor(
        () => [...replies.keys()].filter((id) => id.startsWith(`${action}-`)).length === count,
        `${action}: every request answered`,
      );
      const answers = [...replies.entries()].filter(([id]) => id.startsWith(`${action}-`)).map(([, reply]) => reply);
      expect(answers.filter((reply) => reply.status !== 'success')).toEqual([]);
      expect(new Set(answers.map((reply) => reply.payload.i)).size).toBe(count);
    }

    // the bound still holds for handlers that run: 2 running, 2 waiting, the rest BUSY at once
    await burst(service, 'waits', count);
    const waits = (): Reply[] => [...replies.entries()].filter(([id]) => id.startsWith('waits-')).map(([, reply]) => reply);
    await waitFor(() => waits().length === count - 4, 'the requests past the limits turned away');
    expect(waits().every((reply) => reply.payload.code === 'BUSY')).toBe(true);
    open();
    await waitFor(() => waits().length === count, 'the four taken in answered once the gate opens');
    expect(
      waits()
        .filter((reply) => reply.status === 'success')
        .map((reply) => reply.payload.i),
    ).toEqual([0, 1, 2, 3]);
  });
});

describe.each([
  ['returning response.send()', () => response.send({ ok: 1 })],
  ['calling response.send() without awaiting it, as Python handlers do', (): void => void response.send({ ok: 1 })],
])('a handler %s whose reply cannot be published', (_how, handler) => {
  it('has the failure logged once, and leaves no unhandled rejection (before: one, which ended a process run under start())', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const inner = new RedisTransport(TEST_REDIS_URL);
    // the service's replies fail to publish; everything else goes to Redis
    const failing = repliesThrough(inner, () => Promise.reject(new Error('the reply could not go out')));
    const service = `burst_unpublished_${randomUUID()}`;
    const { logger, records } = captureLogger();
    app = new Daebus('unpublished', { logger });
    app.action('sends', handler);
    try {
      await app.start({ service, transport: failing });
      const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 300 });
      await expect(caller.sendRequest('sends')).rejects.toMatchObject({ code: 'TIMEOUT' });
      await caller.close();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
      expect(records.filter((r) => String(r.message).includes('the reply could not go out'))).toEqual([
        expect.objectContaining({
          level: 'warn',
          message: 'Could not reply to action "sends": the reply could not go out; its caller gets no answer',
        }),
      ]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('requests whose replies cannot be published (Redis went away while they ran)', () => {
  it('are counted as errors, and said once a second, not once each (before: counted ok, and a line per request)', async () => {
    const inner = new RedisTransport(TEST_REDIS_URL);
    const failing = repliesThrough(inner, () => Promise.reject(new Error('the connection was lost')));
    const service = `burst_unsent_${randomUUID()}`;
    const { logger, records } = captureLogger();
    app = new Daebus('unsent', { logger, metrics: true });
    app.action('quick', () => ({ done: true }));
    await app.start({ service, transport: failing });
    await burst(service, 'quick', 50);
    await waitFor(async () => /daebus_requests_total\{action="quick",outcome="error"\} 50/.test(await app.metrics()), '50 errors counted');
    expect(await app.metrics()).not.toMatch(/daebus_requests_total\{action="quick",outcome="ok"\}/);
    // the first in full, the rest counted (in one line, unless the burst straddled a second)
    const said = (): string[] => records.filter((r) => /Could not reply/.test(String(r.message))).map((r) => String(r.message));
    const counted = (): number => said().reduce((sum, line) => sum + Number(/^Could not reply to (\d+) more/.exec(line)?.[1] ?? 0), 0);
    await waitFor(() => counted() === 49, 'the other 49 counted');
    expect(said()[0]).toBe('Could not reply to action "quick": the connection was lost; its caller gets no answer');
    const countLine =
      /^Could not reply to \d+ more request\(s\) of action "quick" in a second \(the last: the connection was lost\); their callers get no answer$/;
    expect(
      said()
        .slice(1)
        .filter((line) => !countLine.test(line)),
    ).toEqual([]);
  });
});

describe('a stop while finished requests wait for their replies to go out', () => {
  it('does not count them as given up on and answered STOPPED (before: it said so, and they never were)', async () => {
    const inner = new RedisTransport(TEST_REDIS_URL);
    // the service's replies never get Redis's answer (a Redis that stopped reading)
    const held = repliesThrough(inner, () => new Promise<number>(() => undefined));
    const service = `burst_held_${randomUUID()}`;
    const { logger, records } = captureLogger();
    app = new Daebus('held', { logger, drainTimeoutMs: 200 });
    let ran = 0;
    app.action('quick', () => ({ ran: ++ran }));
    await app.start({ service, transport: held });
    const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 2_000 });
    const asked = [1, 2, 3].map(() => caller.sendRequest('quick').catch((err: { code?: string }) => err.code));
    await waitFor(() => ran === 3, 'the three handlers done');
    await app.stop();
    expect(await Promise.all(asked)).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
    await caller.close();
    expect(records.filter((r) => String(r.message).startsWith('Gave up on'))).toEqual([]);
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: `3 requests: quick x3 finished, their replies still going out to ${inner.description}: not waited for`,
      }),
    );
  });
});
