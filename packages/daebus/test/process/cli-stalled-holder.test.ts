// `daebus ping` of a replicated service whose channel lease holder is stalled (SIGSTOP): the
// other replicas are live, and nobody answers until the lease lapses. The CLI said the service
// "is not a daebus service for Node", pointing at Python; it now says what is going on.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { startCli } from '../support/cli-process';
import { fixture, onJsonLines, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(60_000);

const service = `cli_stalled_${randomUUID()}`;
const children: ChildProcess[] = [];
const redis = new Redis(TEST_REDIS_URL);
const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL });

afterAll(async () => {
  for (const child of children) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await caller.close();
  const keys = await redis.keys(`*{${service}}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

/** A replica beating every 3 s: its lease outlives a stall by 9 s, more than the ping takes. */
function startReplica(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture('replica.cjs'), service, TEST_REDIS_URL], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, HEARTBEAT_MS: '3000' },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    onJsonLines(child.stdout, (line) => line.ready === true && resolve(child));
    child.once('exit', (code) => reject(new Error(`the replica exited (${String(code)}) before it was ready`)));
  });
}

it('ping says the lease holder may be stalled, not that the service is not a daebus service', async () => {
  await Promise.all([startReplica(), startReplica()]);
  const ingestKey = `daebus:{${service}}:ingest`;
  await waitFor(async () => (await redis.get(ingestKey)) !== null, 'a replica holding the lease');
  const holderId = (await redis.get(ingestKey)) as string;
  const holder = (await caller.replicas()).find((replica) => replica.id === holderId);
  const stalled = children.find((child) => child.pid === holder?.pid) as ChildProcess;
  stalled.kill('SIGSTOP');
  const ran = await startCli(['ping', service, '--count', '1', '--timeout', '1000']).done;
  stalled.kill('SIGCONT');
  expect(ran.code).toBe(3);
  expect(ran.stderr).toContain('runs 2 live replica(s), but none answered daebus.ping within 1000 ms');
  expect(ran.stderr).toContain('may be stalled or busy');
  expect(ran.stderr).not.toContain('not a daebus service for Node');
});
