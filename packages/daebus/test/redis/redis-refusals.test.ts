// Redis refusing what a service writes as it runs (a Redis user without a permission the service
// needs, a full Redis under `noeviction`) while its connections are fine: the health report says
// so (`refused`; /readyz 503 where the service cannot serve), the log says it once a streak, not
// once a write, and once Redis takes those writes again, health and log say that too. Before,
// health stayed `ok` and ready: a service that answered nobody, or whose replica the others
// counted as gone, looked healthy to a load balancer and to `daebus health`.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { cleanEnv, startCli } from '../support/cli-process';
import { http } from '../support/http-client';
import { privateRedis, TEST_REDIS_URL } from '../support/redis-server';

const password = 'test-password';
const admin = new Redis(TEST_REDIS_URL);
const users: string[] = [];
const apps: Daebus[] = [];
const callers: DaebusCaller[] = [];

afterEach(async () => {
  await Promise.all(callers.splice(0).map((caller) => caller.close()));
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});
afterAll(async () => {
  for (const user of users) await admin.call('ACL', 'DELUSER', user);
  admin.disconnect();
});

/** A Redis user with `rules` (ACL SETUSER's), and its URL. */
async function redisUser(...rules: string[]): Promise<{ user: string; url: string }> {
  const user = `daebus-refusals-${randomUUID()}`;
  users.push(user);
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, ...rules);
  return { user, url: TEST_REDIS_URL.replace('redis://', `redis://${user}:${password}@`) };
}

async function readyz(app: Daebus): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await http(`${app.http.url as string}/readyz`);
  return { status: answer.status, body: answer.body as Record<string, unknown> };
}

/** A caller's request that fails: its error's code. */
async function failedCode(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => 'answered',
    (err: unknown) => (err as { code?: string }).code,
  );
}

function messages(records: { message?: unknown; level?: unknown }[], level: string, text: string): string[] {
  return records.filter((r) => r.level === level && String(r.message).includes(text)).map((r) => String(r.message));
}

it('a service whose replies Redis refuses is failing and not ready, logged once, and ready again once Redis takes them', async () => {
  const service = `refused_replies_${randomUUID()}`;
  // its own channels only: not the callers' reply channels (caller:*)
  const { user, url } = await redisUser('~*', 'resetchannels', `&${service}*`, '+@all');
  const { logger, records } = captureLogger();
  const app = new Daebus('refused-replies', { logger });
  apps.push(app);
  let ran = 0;
  app.action('work', () => ({ ran: ++ran }));
  await app.start({ service, redis: url, http: { host: '127.0.0.1', port: 0 } });
  expect((await readyz(app)).status).toBe(200);

  const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 400 });
  callers.push(caller);
  for (let i = 0; i < 3; i++) expect(await failedCode(caller.sendRequest('work'))).toBe('TIMEOUT');
  expect(ran).toBe(3);
  await waitFor(async () => (await readyz(app)).status === 503, 'readyz 503 while Redis refuses the replies');
  const { body } = await readyz(app);
  expect(body).toMatchObject({ status: 'failing', ready: false, transport: { connected: true } });
  expect(body.refused).toEqual([
    {
      what: 'replies',
      error: expect.stringContaining('NOPERM') as string,
      since: expect.any(Number) as number,
      count: 3,
      channels: ['caller:*'],
    },
  ]);
  // one warning for the streak, naming what to do; none per reply
  const said = messages(records, 'warn', "refuses the service's replies");
  expect(said).toHaveLength(1);
  expect(said[0]).toContain('NOPERM');
  expect(said[0]).toContain('"Redis permissions"');
  expect(messages(records, 'warn', 'Could not reply')).toEqual([]);
  // a reply on the service's own responses channel (which the user may publish on) proves nothing of the callers' channels
  await admin.publish(service, JSON.stringify({ action: 'work', payload: {}, request_id: 'r1', service }));
  await waitFor(() => ran === 4, 'the request without reply_to run');
  const after = await readyz(app);
  expect(after.status).toBe(503);
  expect(after.body.refused).toEqual([expect.objectContaining({ what: 'replies', count: 3 })]);
  // the command cannot be answered either: it says what may be why
  const cli = await startCli(['--redis', TEST_REDIS_URL, '--timeout', '500', 'health', service], { env: cleanEnv() }).done;
  expect(cli.code).toBe(3);
  expect(cli.stderr).toContain('or Redis refuses its replies (a Redis user without the right to publish on caller:* channels');

  await admin.call('ACL', 'SETUSER', user, '&caller:*');
  expect(await caller.sendRequest('work')).toEqual({ ran: 5 });
  await waitFor(async () => (await readyz(app)).status === 200, 'readyz 200 once Redis takes the replies');
  expect((await readyz(app)).body).not.toHaveProperty('refused');
  // the three requests and the command's ping
  expect(messages(records, 'info', "takes the service's replies again (4 refused before)")).toHaveLength(1);
});

it('a replica whose request stream upkeep Redis refuses is degraded but ready, logged once, and ok once Redis takes it', async () => {
  const service = `refused_upkeep_${randomUUID()}`;
  const { user, url } = await redisUser('~*', '&*', '+@all', '-xautoclaim');
  const { logger, records } = captureLogger();
  const app = new Daebus('refused-upkeep', { logger });
  apps.push(app);
  app.action('work', () => 'done');
  // upkeep every 150 ms: a few refused runs within a second
  await app.start({ service, redis: url, http: { host: '127.0.0.1', port: 0 }, replicas: { visibilityTimeoutMs: 300 } });

  await waitFor(
    async () => (((await readyz(app)).body.refused as { count: number }[] | undefined)?.[0]?.count ?? 0) >= 3,
    'three refused upkeeps',
  );
  const { status, body } = await readyz(app);
  expect(status).toBe(200);
  expect(body).toMatchObject({ status: 'degraded', ready: true });
  expect(body.refused).toEqual([expect.objectContaining({ what: 'upkeep', error: expect.stringContaining('NOPERM') as string })]);
  expect(messages(records, 'warn', "refuses the request stream's upkeep")).toHaveLength(1);
  expect(messages(records, 'warn', 'Request stream upkeep failed')).toEqual([]);
  // the replica still serves
  const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL });
  callers.push(caller);
  expect(await caller.sendRequest('work')).toBe('done');

  await admin.call('ACL', 'SETUSER', user, '+xautoclaim');
  await waitFor(async () => (await readyz(app)).body.status === 'ok', 'health ok once Redis takes the upkeep');
  expect((await readyz(app)).body).not.toHaveProperty('refused');
  expect(messages(records, 'info', "takes the request stream's upkeep again")).toHaveLength(1);
});

it('a replica whose heartbeats a full Redis refuses (noeviction) is failing, and ready again once memory is freed', async () => {
  const server = await privateRedis(['--maxmemory-policy', 'noeviction']);
  const config = new Redis(server.url);
  try {
    const service = `refused_heartbeats_${randomUUID()}`;
    const { logger, records } = captureLogger();
    const app = new Daebus('refused-heartbeats', { logger });
    apps.push(app);
    app.action('work', () => 'done');
    await app.start({ service, redis: server.url, http: { host: '127.0.0.1', port: 0 }, replicas: { heartbeatMs: 100 } });
    expect((await readyz(app)).status).toBe(200);

    await config.config('SET', 'maxmemory', '1');
    await waitFor(
      async () => ((await readyz(app)).body.refused as { what: string }[] | undefined)?.some(({ what }) => what === 'heartbeats') === true,
      'heartbeats refused',
    );
    const { status, body } = await readyz(app);
    expect(status).toBe(503);
    expect(body).toMatchObject({ status: 'failing', ready: false, transport: { connected: true } });
    const refused = body.refused as { what: string; error: string }[];
    expect(refused.find(({ what }) => what === 'heartbeats')?.error).toMatch(/^OOM/);
    const said = messages(records, 'warn', "refuses this replica's heartbeats");
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('maxmemory');
    expect(messages(records, 'warn', 'Replica heartbeat failed')).toEqual([]);
    // pub/sub requests (as Python callers send them) are answered with an error, said once a streak, not once a request
    const pubsub = new DaebusCaller(service, { redis: server.url, durable: false, timeoutMs: 5_000 });
    callers.push(pubsub);
    for (let i = 0; i < 3; i++) expect(await failedCode(pubsub.sendRequest('work'))).toBe('REMOTE_ERROR');
    expect(messages(records, 'warn', 'refuses the additions of pub/sub requests to the request stream')).toHaveLength(1);
    expect(messages(records, 'warn', 'Rejected')).toEqual([]);

    await config.config('SET', 'maxmemory', '0');
    await waitFor(async () => (await readyz(app)).status === 200, 'readyz 200 once memory is freed');
    expect((await readyz(app)).body).not.toHaveProperty('refused');
    expect(messages(records, 'info', "takes this replica's heartbeats again")).toHaveLength(1);
  } finally {
    await Promise.all(apps.splice(0).map((app) => app.stop()));
    config.disconnect();
    await server.stop();
  }
});

it('a replica whose confirmations Redis refuses is failing, and does not take its own answered requests over again and again', async () => {
  const service = `refused_confirmations_${randomUUID()}`;
  // the confirmation script's XACK is refused (Redis 7.0 says so inside a script without NOPERM)
  const { user, url } = await redisUser('~*', '&*', '+@all', '-xack');
  const { logger, records } = captureLogger();
  const app = new Daebus('refused-confirmations', { logger });
  apps.push(app);
  let ran = 0;
  app.action('work', () => ++ran);
  await app.start({ service, redis: url, http: { host: '127.0.0.1', port: 0 }, replicas: { visibilityTimeoutMs: 300 } });
  const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 200 });
  callers.push(caller);
  for (let i = 0; i < 5; i++) await caller.sendRequest('work');
  await waitFor(async () => (await readyz(app)).status === 503, 'readyz 503 while Redis refuses the confirmations');
  expect((await readyz(app)).body.refused).toEqual([expect.objectContaining({ what: 'confirmations' })]);
  // several visibility timeouts: before, each took the unconfirmed requests over again, a line each time
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(records.filter((r) => /Took over request|Dropped request|dead-letter/.test(String(r.message)))).toEqual([]);
  expect(ran).toBe(5);
  expect(messages(records, 'warn', 'refuses the confirmations of finished durable requests')).toHaveLength(1);

  await admin.call('ACL', 'SETUSER', user, '+xack');
  await caller.sendRequest('work');
  await waitFor(async () => (await readyz(app)).status === 200, 'readyz 200 once Redis takes the confirmations');
});

it("a reply refused on a channel of someone else's (a request's own reply_to) degrades the service, still ready, and names the channel", async () => {
  const service = `refused_reply_to_${randomUUID()}`;
  const other = `other-app-${randomUUID()}.replies`;
  // as the docs advise: the service's own channels and the callers' reply channels
  const { url } = await redisUser('~*', 'resetchannels', `&${service}*`, '&caller:*', '+@all');
  const { logger, records } = captureLogger();
  const app = new Daebus('refused-reply-to', { logger });
  apps.push(app);
  let ran = 0;
  app.action('work', () => ({ ran: ++ran }));
  await app.start({ service, redis: url, http: { host: '127.0.0.1', port: 0 } });
  const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL });
  callers.push(caller);
  expect(await caller.sendRequest('work')).toEqual({ ran: 1 });

  await admin.publish(service, JSON.stringify({ action: 'work', payload: {}, request_id: 'bad1', reply_to: other }));
  await waitFor(async () => (await readyz(app)).body.refused !== undefined, 'the refusal in the health report');
  // before: not ready (503) until the next reply to a caller, or a minute, for one publisher's request
  const { status, body } = await readyz(app);
  expect(status).toBe(200);
  expect(body).toMatchObject({ status: 'degraded', ready: true });
  expect(body.refused).toEqual([expect.objectContaining({ what: 'replies', channels: [other], count: 1 })]);
  expect(messages(records, 'warn', `refuses the service's replies to "${other}"`)).toHaveLength(1);
  // the callers are still answered, and the service stays ready
  expect(await caller.sendRequest('work')).toEqual({ ran: 3 });
  expect((await readyz(app)).status).toBe(200);
});
