// `daebus ping` of a replicated service whose channel lease holder is stalled (SIGSTOP): the
// other replicas are live, and nobody answers until the lease lapses. The CLI said the service
// "is not a daebus service for Node", pointing at Python; it now says what is going on.
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { startCli } from '../support/cli-process';
import { TEST_REDIS_URL } from '../support/redis-server';
import { cleanUpReplicas, startFixtureReplica, stopLeaseHolder } from '../support/stalled-holder';

jest.setTimeout(60_000);

const service = `cli_stalled_${randomUUID()}`;
const children: ChildProcess[] = [];
const redis = new Redis(TEST_REDIS_URL);
const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL });

afterAll(() => cleanUpReplicas(service, children, redis, caller));

/** A replica beating every 3 s: its lease outlives a stall by 9 s, more than the ping takes. */
const startReplica = (): Promise<ChildProcess> => startFixtureReplica(service, children, { HEARTBEAT_MS: '3000' });

it('ping says the lease holder may be stalled, not that the service is not a daebus service', async () => {
  await Promise.all([startReplica(), startReplica()]);
  const { stalled } = await stopLeaseHolder(service, children, redis, caller);
  const ran = await startCli(['ping', service, '--count', '1', '--timeout', '1000']).done;
  stalled.kill('SIGCONT');
  expect(ran.code).toBe(3);
  expect(ran.stderr).toContain('runs 2 live replica(s), but none answered daebus.ping within 1000 ms');
  expect(ran.stderr).toContain('may be stalled or busy');
  expect(ran.stderr).not.toContain('not a daebus service for Node');
});
