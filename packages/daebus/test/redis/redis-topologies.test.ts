// Redis deployments other than one plain server: a Redis Cluster node is refused at connect, with
// what to use instead (before: MOVED errors, or a service that worked until its hash slot moved);
// a primary found through Sentinel is named as such (before: every line said localhost:6379), and
// sentinels that cannot give one fail a start at once, saying why and what to check (before: the
// sentinels were asked again until the connect timeout ran out, which said only that).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Daebus, DaebusCaller, type StartOptions } from 'daebus';
import { captureLogger, fixture, waitFor } from '../support/helpers';
import { privateRedis } from '../support/redis-server';
import { privateSentinel } from '../support/sentinel';
import { freePort } from '../support/free-port';

jest.setTimeout(30_000);

const apps: Daebus[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

function app(): { app: Daebus; records: ReturnType<typeof captureLogger>['records'] } {
  const { logger, records } = captureLogger();
  const made = new Daebus('topology', { logger });
  made.action('ping', () => ({ pong: true }));
  apps.push(made);
  return { app: made, records };
}

/** A start on `redis` fails with `refusal`, and so does a caller's first request. */
async function refusedAtStartAndByACaller(
  redis: StartOptions['redis'],
  callerOptions: ConstructorParameters<typeof DaebusCaller>[1],
  refusal: object,
): Promise<void> {
  await expect(app().app.start({ service: `refused_${randomUUID()}`, redis })).rejects.toMatchObject(refusal);
  const caller = new DaebusCaller('refused', callerOptions);
  try {
    await expect(caller.sendRequest('ping', {})).rejects.toMatchObject(refusal);
  } finally {
    await caller.close();
  }
}

describe('a Redis Cluster node', () => {
  it('is refused at start and by a caller, saying cluster mode is not supported and what to use', async () => {
    const node = await privateRedis(['--cluster-enabled', 'yes']);
    const refusal = {
      code: 'INVALID_OPTION',
      message: expect.stringMatching(
        new RegExp(
          `^Redis at redis://127\\.0\\.0\\.1:${node.port} runs in cluster mode, which daebus does not support .*Sentinel for failover`,
        ),
      ),
    };
    await refusedAtStartAndByACaller(node.url, { redis: node.url }, refusal);
  });
});

describe('a primary found through Sentinel', () => {
  it('is named by its Sentinel name and address in the log, and serves as a plain one does', async () => {
    const primary = await privateRedis();
    const sentinelPort = await privateSentinel(primary.port);
    const { app: service, records } = app();
    const redis = { sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: 'primary' };
    const name = `sentinel_${randomUUID()}`;
    await service.start({ service: name, redis });
    const where = `primary "primary" via Sentinel 127.0.0.1:${sentinelPort}`;
    expect(records.some((r) => String(r.message).includes(`listening on ${where}`))).toBe(true);
    const caller = new DaebusCaller(name, { redis });
    try {
      await expect(caller.sendRequest('ping', {})).resolves.toEqual({ pong: true });
    } finally {
      await caller.close();
    }
  });

  it('prints nothing of its own for a sentinel that is down, while another gives the primary', async () => {
    const primary = await privateRedis();
    const sentinelPort = await privateSentinel(primary.port);
    const sentinels = [
      { host: '127.0.0.1', port: await freePort() },
      { host: '127.0.0.1', port: sentinelPort },
    ];
    // in a process of its own: ioredis prints "[ioredis] Unhandled error event" for an error of
    // its Node realm only, which jest's sandbox does not see as an Error
    const ran = spawnSync(process.execPath, [fixture('sentinel-service.cjs'), `sentinel_${randomUUID()}`, JSON.stringify(sentinels)], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(ran.stdout).toContain('{"answered":{"pong":true},');
    expect(ran.stderr).toBe('');
  });

  // the failover detector's own connections to the sentinels close with the service's (a stop
  // that skipped ioredis's disconnect on a connection QUIT had ended left them, and their
  // reconnect timers, holding the process for good)
  it('lets the process end by itself once stopped', async () => {
    const primary = await privateRedis();
    const sentinelPort = await privateSentinel(primary.port);
    const sentinels = [{ host: '127.0.0.1', port: sentinelPort }];
    const ran = spawnSync(process.execPath, [fixture('sentinel-service.cjs'), `sentinel_${randomUUID()}`, JSON.stringify(sentinels)], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(ran.stdout).toContain('{"answered":{"pong":true},');
    expect({ status: ran.status, signal: ran.signal }).toEqual({ status: 0, signal: null });
  });

  it('says, at once, that Sentinel has no such primary, and to check the name', async () => {
    const primary = await privateRedis();
    const sentinelPort = await privateSentinel(primary.port);
    const redis = { sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: 'nosuch', connectTimeout: 1_000 };
    await expect(app().app.start({ service: `sentinel_${randomUUID()}`, redis })).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /^Could not connect to Redis at primary "nosuch" via Sentinel .*: no sentinel gave the primary's address \(the last error: ERR No such master.*Check the name option/,
      ),
    });
  });

  it('fails a start and a caller at once, with the reason, when no sentinel answers', async () => {
    // a port nothing listens on; the connect timeout past the test's own: before, ioredis asked the
    // sentinels again and again until it ran out
    const redis = { sentinels: [{ host: '127.0.0.1', port: await freePort() }], name: 'primary', connectTimeout: 60_000 };
    const refusal = {
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /^Could not connect to Redis at primary "primary" via Sentinel .*: no sentinel gave the primary's address .*Check that the sentinels listen/,
      ),
    };
    await refusedAtStartAndByACaller(redis, { redis, timeoutMs: 60_000 }, refusal);
  });
});

describe('a Redis that may evict any key', () => {
  it("is named at a replicated service's start, with the policy to use instead", async () => {
    const server = await privateRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    const { app: service, records } = app();
    await service.start({ service: `evicting_${randomUUID()}`, redis: server.url, replicas: { heartbeatMs: 200 } });
    await waitFor(() => records.some((r) => r.level === 'warn' && /maxmemory-policy allkeys-lru/.test(String(r.message))), 'the warning');
    const warning = records.find((r) => /maxmemory-policy/.test(String(r.message)));
    expect(warning?.message).toContain(`Redis at ${server.url} has maxmemory-policy allkeys-lru: once full, it evicts`);
    expect(warning?.message).toContain('Use noeviction or a volatile-* policy');
  });

  // before: only a replicated service was told, though a service-wide map of one process lives in Redis too
  it("is named at a service's first service-wide operation when it is not replicated, once", async () => {
    const server = await privateRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    const { app: service, records } = app();
    const totals = service.map<number>('totals', { scope: 'service' });
    await service.start({ service: `evicting_${randomUUID()}`, redis: server.url });
    // a start's own round trip: no warning from it, as none is from a service that uses no service-wide structure
    await expect(service.map<number>('local').get('x')).resolves.toBeUndefined();
    expect(records.filter((r) => /maxmemory-policy/.test(String(r.message)))).toEqual([]);
    await totals.set('a', 1);
    await totals.increment('a');
    await waitFor(() => records.some((r) => /maxmemory-policy/.test(String(r.message))), 'the warning');
    await expect(totals.get('a')).resolves.toBe(2);
    const warnings = records.filter((r) => /maxmemory-policy/.test(String(r.message))).map((r) => String(r.message));
    expect(warnings).toEqual([expect.stringContaining("it evicts this service's service-wide state (map entries, list and queue items)")]);
  });

  // before: a queue's get and receive took another path, and a service whose first use was one was never told
  it("is named when a service's first service-wide operation is a queue's get", async () => {
    const server = await privateRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lfu']);
    const { app: service, records } = app();
    const jobs = service.queue<string>('jobs', { scope: 'service' });
    await service.start({ service: `evicting_${randomUUID()}`, redis: server.url });
    await expect(jobs.get(50)).resolves.toBeUndefined();
    await waitFor(() => records.some((r) => /maxmemory-policy allkeys-lfu/.test(String(r.message))), 'the warning');
  });

  it("is named when a service's first service-wide operation is a thread's join", async () => {
    const server = await privateRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    const { app: service, records } = app();
    service.queue<string>('jobs', { scope: 'service' });
    service.thread('joiner', async (_running, th) => {
      await th.queue('jobs').join(50);
    });
    await service.start({ service: `evicting_${randomUUID()}`, redis: server.url });
    await waitFor(() => records.some((r) => /maxmemory-policy allkeys-lru/.test(String(r.message))), 'the warning');
  });
});
