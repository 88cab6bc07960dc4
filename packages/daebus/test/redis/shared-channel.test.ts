// Two processes started with one service name and no replicas both run every request: the
// second one to start says so in its log, and starts all the same.
import { randomUUID } from 'node:crypto';
import { Daebus } from 'daebus';
import { captureLogger, type LogRecord } from '../support/helpers';
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
