// Redis deployments other than one plain server: a Redis Cluster node is refused at connect, with
// what to use instead (before: MOVED errors, or a service that worked until its hash slot moved);
// a primary found through Sentinel is named as such (before: every line said localhost:6379), and
// a Sentinel that cannot give one says ioredis's reason (before: only that no connection was made).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { freePort } from '../support/free-port';
import { privateRedis } from '../support/redis-server';
import Redis from 'ioredis';

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
    await expect(app().app.start({ service: `cluster_${randomUUID()}`, redis: node.url })).rejects.toMatchObject(refusal);
    const caller = new DaebusCaller('cluster', { redis: node.url });
    try {
      await expect(caller.sendRequest('ping', {})).rejects.toMatchObject(refusal);
    } finally {
      await caller.close();
    }
  });
});

describe('a primary found through Sentinel', () => {
  let sentinel: ChildProcess | undefined;
  afterEach(() => {
    sentinel?.kill('SIGKILL');
    sentinel = undefined;
  });

  async function startSentinel(primaryPort: number): Promise<number> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'daebus-test-sentinel-'));
    const config = join(dir, 'sentinel.conf');
    writeFileSync(
      config,
      [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor primary 127.0.0.1 ${primaryPort} 1`, ''].join('\n'),
    );
    sentinel = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => 50 });
    try {
      await waitFor(
        async () => (await probe.call('SENTINEL', 'get-master-addr-by-name', 'primary').catch(() => null)) !== null,
        'the sentinel',
      );
    } finally {
      probe.disconnect();
    }
    return port;
  }

  it('is named by its Sentinel name and address in the log, and serves as a plain one does', async () => {
    const primary = await privateRedis();
    const sentinelPort = await startSentinel(primary.port);
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

  it("says ioredis's reason when Sentinel has no such primary", async () => {
    const primary = await privateRedis();
    const sentinelPort = await startSentinel(primary.port);
    const redis = { sentinels: [{ host: '127.0.0.1', port: sentinelPort }], name: 'nosuch', connectTimeout: 1_000 };
    await expect(app().app.start({ service: `sentinel_${randomUUID()}`, redis })).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(/^Could not connect to Redis at primary "nosuch" via Sentinel .*its last error: .*No such master/),
    });
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
});
