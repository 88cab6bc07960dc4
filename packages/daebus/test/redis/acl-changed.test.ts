// A Redis user whose channel permissions are taken away while a service or caller runs: Redis
// closes its connections, and refuses its channels when it subscribes them again. Before, that
// refusal was a promise rejected inside ioredis with no one to catch it: an unhandled rejection
// that crashed a process without a handler for them (and was logged as one by a service under
// run()), while the service or caller, its subscriptions gone for good, said nothing of why.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { http } from '../support/http-client';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(60_000);

const password = 'test-password';
const admin = new Redis(TEST_REDIS_URL);
const users: string[] = [];
const closers: (() => Promise<unknown>)[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): number => unhandled.push(reason);

beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterEach(async () => {
  for (const close of closers.splice(0)) await close().catch(() => undefined);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  for (const user of users) await admin.call('ACL', 'DELUSER', user);
  admin.disconnect();
});

/** A Redis user that may do everything, and its URL. */
async function redisUser(): Promise<{ user: string; url: string }> {
  const user = `daebus-acl-changed-${randomUUID()}`;
  users.push(user);
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all');
  return { user, url: TEST_REDIS_URL.replace('redis://', `redis://${user}:${password}@`) };
}

async function readyz(app: Daebus): Promise<number> {
  return (await http(`${app.http.url as string}/readyz`)).status;
}

it('a service whose user loses its channels says why once, is not ready, and takes requests again once they are given back', async () => {
  const service = `acl_changed_${randomUUID()}`;
  const { user, url } = await redisUser();
  const { logger, records } = captureLogger();
  const app = new Daebus('acl-changed', { logger });
  closers.push(() => app.stop());
  app.action('echo', (payload) => payload);
  await app.start({ service, redis: url, http: { host: '127.0.0.1', port: 0 } });
  const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 1_000 });
  closers.push(() => caller.close());
  expect(await caller.sendRequest('echo', { n: 1 })).toEqual({ n: 1 });

  await admin.call('ACL', 'SETUSER', user, 'resetchannels'); // Redis closes the user's connections
  const refusals = (): string[] =>
    records.filter((r) => r.level === 'warn' && String(r.message).includes('refused to subscribe')).map((r) => String(r.message));
  await waitFor(() => refusals().length > 0, 'the refusal in the log');
  expect(refusals()[0]).toContain('NOPERM');
  expect(refusals()[0]).toContain('"Redis permissions"');
  await waitFor(async () => (await readyz(app)) === 503, 'readyz 503 while its channels are refused');
  await new Promise((resolve) => setTimeout(resolve, 2_500)); // tried again twice or more meanwhile
  expect(refusals()).toHaveLength(1);
  await expect(caller.sendRequest('echo', { n: 2 }, { timeoutMs: 300 })).rejects.toMatchObject({ code: 'NO_SUBSCRIBER' });

  await admin.call('ACL', 'SETUSER', user, 'allchannels');
  await waitFor(async () => (await readyz(app)) === 200, 'readyz 200 once the channels are given back');
  expect(await caller.sendRequest('echo', { n: 3 })).toEqual({ n: 3 });
  expect(records.some((r) => r.level === 'info' && String(r.message).includes('again: service'))).toBe(true);
  expect(unhandled).toEqual([]);
});

it('a caller whose user loses its reply channels fails its requests at once, saying why, and sends again once they are given back', async () => {
  const service = `acl_changed_caller_${randomUUID()}`;
  const app = new Daebus('acl-changed-caller', { logger: captureLogger().logger });
  closers.push(() => app.stop());
  app.action('echo', (payload) => payload);
  await app.start({ service, redis: TEST_REDIS_URL });
  const { user, url } = await redisUser();
  const caller = new DaebusCaller(service, { redis: url, timeoutMs: 1_000 });
  closers.push(() => caller.close());
  expect(await caller.sendRequest('echo', { n: 1 })).toEqual({ n: 1 });

  await admin.call('ACL', 'SETUSER', user, 'resetchannels');
  const code = (n: number): Promise<unknown> =>
    caller.sendRequest('echo', { n }).then(
      () => 'answered',
      (err: { code?: string }) => err.code,
    );
  await waitFor(async () => (await code(2)) === 'TRANSPORT_ERROR', 'a request refused while the reply channel is not subscribed');
  // reconnected and refused meanwhile (before: the reply channel was never subscribed again, whatever came after)
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(await code(3)).toBe('TRANSPORT_ERROR');
  // the error says why (a caller has no log to say it in)
  await expect(caller.sendRequest('echo', { n: 3 })).rejects.toThrow(/Redis refuses to subscribe its reply channel again: NOPERM/);
  await admin.call('ACL', 'SETUSER', user, 'allchannels');
  await waitFor(async () => (await code(4)) === 'answered', 'a reply once the channels are given back');
  expect(unhandled).toEqual([]);
});
