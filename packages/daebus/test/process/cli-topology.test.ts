// The `daebus` command pointed at a Redis no service listens through: a replica (before, it said
// only that no service listens, while the service ran on the primary) or a Redis Cluster node
// (refused at connect, saying so).
import { privateRedis } from '../support/redis-server';
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
