// `daebus replicas` counts a replica's uptime and "last seen" on Redis's clock, which the
// replica's presence is written in, not on the clock of the machine the command runs on.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { serviceKeys } from '../../src/main/replicas/keys';
import { TEST_REDIS_URL } from '../support/redis-server';
import { startCli } from '../support/cli-process';
import { fixture } from '../support/helpers';

jest.setTimeout(30_000);

const service = `cli_replica_clock_${randomUUID()}`;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  // a replica's presence as its heartbeat writes it: up an hour, last seen 2 s ago, by Redis's clock
  const [seconds, micros] = await redis.time();
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  const keys = serviceKeys(service);
  const fields = { id: 'r1', host: 'elsewhere', pid: '4242', startedAt: now - 3_600_000, lastSeen: now - 2_000, inFlight: '0' };
  await redis.multi().hset(keys.replica('r1'), fields).pexpire(keys.replica('r1'), 60_000).zadd(keys.replicas, now, 'r1').exec();
});
afterAll(async () => {
  const keys = serviceKeys(service);
  await redis.del(keys.replica('r1'), keys.replicas);
  await redis.quit();
});

it("counts from Redis's clock when this machine's is two hours ahead", async () => {
  const env = { NO_COLOR: '1', CLOCK_AHEAD_MS: String(2 * 3_600_000), NODE_OPTIONS: `--require ${fixture('clock-ahead.cjs')}` };
  const ran = await startCli(['replicas', service], { env }).done;
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  const row = ran.stdout.split('\n').find((line) => line.startsWith('r1'));
  expect(row).toMatch(/^r1\s+elsewhere\s+4242\s+1h00m\s+0\s+2\.\ds ago$/);
});
