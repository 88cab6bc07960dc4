// The `daebus` command pointed at a Redis no service listens through: a replica (before, it said
// only that no service listens, while the service ran on the primary) or a Redis Cluster node
// (refused at connect, saying so); and the primary found through Sentinel (before, the command took
// URLs only, and so followed no failover).
import { randomUUID } from 'node:crypto';
import { Daebus } from 'daebus';
import { privateRedis } from '../support/redis-server';
import { privateSentinel } from '../support/sentinel';
import { freePort } from '../support/free-port';
import { captureLogger } from '../support/helpers';
import { startCli } from '../support/cli-process';

jest.setTimeout(60_000);

it('says that --redis names a read-only replica, and of which primary', async () => {
  const primary = await privateRedis();
  const replica = await privateRedis(['--replicaof', '127.0.0.1', String(primary.port)]);
  const ran = await startCli(['--redis', replica.url, 'ping', 'orders']).done;
  expect(ran.code).toBe(3); // no service answers there
  expect(ran.stderr).toContain(
    `Redis at ${replica.url} is a read-only replica of 127.0.0.1:${primary.port}: services listen on their primary`,
  );
});

it('says nothing of the kind for a primary', async () => {
  const primary = await privateRedis();
  const ran = await startCli(['--redis', primary.url, 'ping', 'orders']).done;
  expect(ran.code).toBe(3);
  expect(ran.stderr).not.toContain('replica');
});

it('refuses a Redis Cluster node (exit 4), saying cluster mode is not supported', async () => {
  const node = await privateRedis(['--cluster-enabled', 'yes']);
  const ran = await startCli(['--redis', node.url, 'health', 'orders']).done;
  expect(ran.code).toBe(4);
  // reached, and refused: not "cannot reach Redis"
  expect(ran.stderr).toMatch(new RegExp(`^daebus: Redis at ${node.url} runs in cluster mode, which daebus does not support`));
});

describe('through Sentinel (--sentinel, --sentinel-name)', () => {
  const apps: Daebus[] = [];
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
  });

  it('finds the primary and reaches the service on it; a wrong name or no sentinel answering is exit 4, saying what to check', async () => {
    const primary = await privateRedis();
    const sentinelPort = await privateSentinel(primary.port, 'main');
    const service = `sentinel_${randomUUID()}`;
    const app = new Daebus('topology', { logger: captureLogger().logger });
    apps.push(app);
    await app.start({ service, redis: primary.url });
    const sentinel = `127.0.0.1:${sentinelPort}`;
    const ran = await startCli(['--sentinel', sentinel, '--sentinel-name', 'main', 'health', service]).done;
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);

    const misnamed = await startCli(['--sentinel', sentinel, '--sentinel-name', 'nosuch', 'health', service]).done;
    expect(misnamed.code).toBe(4);
    expect(misnamed.stderr).toContain(
      `cannot reach Redis at primary "nosuch" via Sentinel ${sentinel}: no sentinel gave the primary's address (the last error: ERR No such master with that name) (check --sentinel-name`,
    );

    const down = `127.0.0.1:${await freePort()}`;
    const unanswered = await startCli(['--sentinel', down, '--sentinel-name', 'main', 'health', service]).done;
    expect(unanswered.code).toBe(4);
    expect(unanswered.stderr).toContain(
      `cannot reach Redis at primary "main" via Sentinel ${down}: no sentinel answers: connect ECONNREFUSED`,
    );
  });

  it('refuses --sentinel without --sentinel-name, and --sentinel-password without --sentinel, as usage errors (exit 2)', async () => {
    const ran = await startCli(['--sentinel', '127.0.0.1:26379', 'health', 'orders']).done;
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('--sentinel needs --sentinel-name');
    // before: ignored, and the command went on to the default Redis
    const lone = await startCli(['--sentinel-password', 'secret', 'health', 'orders']).done;
    expect(lone.code).toBe(2);
    expect(lone.stderr).toContain('--sentinel-password goes with --sentinel');
  });
});
