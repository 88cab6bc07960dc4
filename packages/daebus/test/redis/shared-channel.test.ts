// Two processes started with one service name and no replicas both run every request: the
// second one to start says so in its log, and starts all the same; one that comes later is seen too.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, RedisTransport } from 'daebus';
import { watchChannelShared } from '../../src/main/rpc/shared-channel';
import { captureLogger, waitFor, type LogRecord } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

const apps: Daebus[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

async function startCopy(service: string, options: { replicas?: boolean; redis?: string } = {}): Promise<LogRecord[]> {
  const { logger, records } = captureLogger();
  const app = new Daebus('copy', { logger });
  app.action('work', () => ({ done: true }));
  apps.push(app);
  await app.start({ service, redis: options.redis ?? TEST_REDIS_URL, ...(options.replicas ? { replicas: true } : {}) });
  return records;
}

const sharedWarnings = (records: LogRecord[]): LogRecord[] =>
  records.filter((record) => record.level === 'warn' && record.message.includes('already subscribe'));

describe('a second copy of a service on the same channel, without replicas', () => {
  it('warns at start that every request runs in each, pointing to the replicas option', async () => {
    const service = `shared_${randomUUID()}`;
    const first = await startCopy(service);
    const second = await startCopy(service);

    expect(sharedWarnings(first)).toEqual([]);
    const [warning, ...more] = sharedWarnings(second);
    expect(more).toEqual([]);
    expect(warning?.message).toMatch(/^1 other connection on redis:\/\/\S+ already subscribes to channel "/);
    expect(warning?.message).toContain(`channel "${service}"`);
    expect(warning?.message).toContain('every request runs in each of them');
    // a service of that name on another database of the server counts too: channels are server-wide
    expect(warning?.message).toContain('in any database of this Redis server: channels are server-wide');
    expect(warning?.message).toContain('replicas: true');
    expect(warning).toMatchObject({ service, subscribers: 2 });
  });

  it('does not warn for replicas, which share the requests', async () => {
    const service = `shared_replicas_${randomUUID()}`;
    await startCopy(service, { replicas: true });
    const second = await startCopy(service, { replicas: true });
    expect(sharedWarnings(second)).toEqual([]);
  });
});

describe('a subscriber of the service channel that comes after the service started, without replicas', () => {
  it('is said once it is seen twice in a row (a Python Daebus service of that name started later), and again only for another', async () => {
    const service = `shared_later_${randomUUID()}`;
    const { logger, records } = captureLogger();
    const transport = new RedisTransport(TEST_REDIS_URL);
    await transport.connect();
    await transport.subscribe(service, () => undefined);
    const later = new Redis(TEST_REDIS_URL);
    const another = new Redis(TEST_REDIS_URL);
    const stop = await watchChannelShared(transport, service, logger, 50);
    try {
      const now = (): LogRecord[] => records.filter((r) => r.level === 'warn' && r.message.includes('now subscribe'));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(records).toEqual([]); // alone on its channel
      // before: looked at the start only, so a service started later ran every request too, unsaid
      await later.subscribe(service);
      await waitFor(() => now().length === 1, 'the warning');
      expect(now()[0]?.message).toMatch(/^1 other connection on redis:\/\/\S+ now subscribes to channel "/);
      expect(now()[0]?.message).toContain('a Python Daebus service of that name');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(now()).toHaveLength(1); // said once
      await another.subscribe(service);
      await waitFor(() => now().length === 2, 'the second warning');
      expect(now()[1]).toMatchObject({ subscribers: 3 });
    } finally {
      stop();
      later.disconnect();
      another.disconnect();
      await transport.close();
    }
  });
});
