// Each replica of a service answers the built-in actions about itself on its own channel (what
// `daebus` on the command line asks each replica on), only those, and only while it is up.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller, DaebusError } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(30_000);

let service: string;
const apps: Daebus[] = [];
const callers: DaebusCaller[] = [];
const clients: Redis[] = [];

/** Runs of the app action `echo`, on any replica. */
let echoed = 0;

beforeEach(() => {
  echoed = 0;
  service = `replica_channel_${randomUUID()}`;
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
  await Promise.all(callers.splice(0).map((caller) => caller.close()));
  const redis = new Redis(TEST_REDIS_URL);
  clients.push(redis);
  const keys = await redis.keys(`*{${service}}*`);
  if (keys.length > 0) await redis.del(...keys);
  await Promise.all(clients.splice(0).map((client) => client.quit()));
});

const channelOf = (id: string): string => `daebus:{${service}}:replica-actions:${id}`;

function callerOf(id: string): DaebusCaller {
  const caller = new DaebusCaller(channelOf(id), { redis: TEST_REDIS_URL, durable: false, timeoutMs: 5_000 });
  callers.push(caller);
  return caller;
}

async function startReplica(): Promise<Daebus> {
  const app = new Daebus('replicated', { logger: captureLogger().logger });
  app.action('echo', (payload) => (echoed++, payload));
  app.background('tick', 60, () => undefined);
  apps.push(app);
  await app.start({ service, redis: TEST_REDIS_URL, replicas: {} });
  return app;
}

describe("a replica's own channel", () => {
  it('answers the built-in actions of that replica, each time', async () => {
    const [first] = [await startReplica(), await startReplica()];
    const ids = (await (first as Daebus).replicas()).map((replica) => replica.id);
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      for (let i = 0; i < 3; i++) {
        const info = (await callerOf(id).sendRequest('daebus.info', {})) as { replica: { id: string } };
        expect(info.replica.id).toBe(id);
      }
    }
  });

  it('refuses any other action with UNKNOWN_ACTION, without running it', async () => {
    const app = await startReplica();
    const [replica] = await app.replicas();
    const refused = await callerOf(replica?.id as string)
      .sendRequest('echo', { a: 1 })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(DaebusError);
    expect((refused as DaebusError).details?.remoteCode).toBe('UNKNOWN_ACTION');
    expect(echoed).toBe(0);
  });

  it('answers what is not a request with BAD_REQUEST, as the service channel does (before: UNKNOWN_ACTION)', async () => {
    const app = await startReplica();
    const [replica] = await app.replicas();
    const redis = new Redis(TEST_REDIS_URL);
    const listener = new Redis(TEST_REDIS_URL);
    clients.push(redis, listener);
    const replyTo = `caller:${randomUUID()}`;
    const replies: Record<string, unknown>[] = [];
    listener.on('message', (_channel: string, text: string) => void replies.push(JSON.parse(text) as Record<string, unknown>));
    await listener.subscribe(replyTo);
    for (const raw of [
      `{"action": 5, "reply_to": "${replyTo}", "request_id": "a"}`,
      `{"action": "", "reply_to": "${replyTo}", "request_id": "b"}`,
    ]) {
      await redis.publish(channelOf(replica?.id as string), raw);
    }
    await waitFor(() => replies.length === 2, 'both replies');
    expect(replies.map((reply) => (reply.payload as { code: string }).code)).toEqual(['BAD_REQUEST', 'BAD_REQUEST']);
  });

  it('is left when the replica stops', async () => {
    const app = await startReplica();
    const [replica] = await app.replicas();
    const redis = new Redis(TEST_REDIS_URL);
    clients.push(redis);
    const subscribers = async (): Promise<number> =>
      Number(((await redis.pubsub('NUMSUB', channelOf(replica?.id as string))) as [string, number])[1]);
    expect(await subscribers()).toBe(1);
    await app.stop();
    expect(await subscribers()).toBe(0);
  });
});
