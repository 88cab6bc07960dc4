// `daebus watch` on a replicated service through outages: each block keeps its replica's last
// table and says who is to blame (this command's connection to Redis; a replica that is gone),
// not the service. Before, a lost connection printed one line with no table, and a killed replica
// was named as a service ("No service is listening on channel ...: is ... running?").
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { waitFor } from '../support/helpers';
import { privateRedis, type PrivateRedis } from '../support/redis-server';
import { startCli, startFixtureService } from '../support/cli-process';

jest.setTimeout(60_000);

const children: ChildProcess[] = [];
let redis: PrivateRedis;
/** A test stopped it: the next gets it back. */
let redisStopped = false;

beforeAll(async () => {
  redis = await privateRedis();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  if (redisStopped) await redis.start();
  redisStopped = false;
});

/** A replica of the CLI fixture on the private Redis (`heartbeatMs`: its own); resolves with the process once it has started. */
function startReplica(service: string, heartbeatMs = 200): Promise<ChildProcess> {
  return startFixtureService(service, redis.url, children, { REPLICAS: '1', HEARTBEAT_MS: String(heartbeatMs) });
}

function watch(service: string, timeoutMs = 5_000): { out: { stdout: string } } {
  const started = startCli(['--redis', redis.url, '--timeout', String(timeoutMs), 'watch', service, '--interval', '100']);
  children.push(started.child);
  return started;
}

/** The looks printed since `from` (a character offset in stdout). */
const looksSince = (stdout: string, from: number): string[] => stdout.slice(from).split(/^--- /m).slice(1);

describe('daebus watch on a replicated service', () => {
  it("keeps each replica's last table while its own connection to Redis is down, and blames that connection", async () => {
    const service = `watch_outage_${randomUUID()}`;
    const replica = await startReplica(service);
    const { out } = watch(service);
    await waitFor(() => out.stdout.includes(`(pid ${String(replica.pid)} on `) && /^THREAD /m.test(out.stdout), 'a look with the table');
    const before = out.stdout.length;
    redisStopped = true;
    await redis.stop();
    await waitFor(
      () => looksSince(out.stdout, before).filter((look) => look.includes('cannot reach Redis')).length >= 2,
      'two looks in the outage',
    );
    const look = looksSince(out.stdout, before).filter((l) => l.includes('cannot reach Redis'))[1] as string;
    expect(look).toContain(`(pid ${String(replica.pid)} on `);
    expect(look).toMatch(
      /^NO ANSWER FROM REDIS: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: this command's connection to it is down/m,
    );
    expect(look).toContain('last known threads:');
    expect(look).toMatch(/^THREAD /m);
    expect(look).not.toContain('NOT ANSWERING');
  });

  it('blames Redis, not the service, while Redis is paused (CLIENT PAUSE)', async () => {
    const service = `watch_pause_${randomUUID()}`;
    const replica = await startReplica(service);
    const { out } = watch(service, 500);
    await waitFor(() => out.stdout.includes(`(pid ${String(replica.pid)} on `) && /^THREAD /m.test(out.stdout), 'a look with the table');
    const before = out.stdout.length;
    const client = new Redis(redis.url);
    try {
      await client.call('CLIENT', 'PAUSE', '4000', 'ALL');
      await waitFor(() => looksSince(out.stdout, before).some((look) => look.includes('does not answer')), 'a look in the pause');
    } finally {
      client.disconnect();
    }
    const look = looksSince(out.stdout, before).find((l) => l.includes('does not answer')) as string;
    expect(look).toMatch(/^NO ANSWER FROM REDIS: Redis at redis:\/\/127\.0\.0\.1:\d+ does not answer \(paused, overloaded or stalled\)/m);
    expect(look).not.toContain('not a daebus service');
    expect(look).toContain('last known threads:');
  });

  it('says that a killed replica is gone while it is still listed', async () => {
    const service = `watch_gone_${randomUUID()}`;
    // the killed one beats slowly, so that it stays listed for seconds after the kill: a look
    // that starts late (a loaded machine) still asks it, rather than no longer listing it
    const [kept, killed] = await Promise.all([startReplica(service), startReplica(service, 2_000)]);
    const { out } = watch(service);
    await waitFor(
      () => out.stdout.includes(`(pid ${String(kept.pid)} on `) && out.stdout.includes(`(pid ${String(killed.pid)} on `),
      'both replicas watched',
    );
    const id = new RegExp(`^replica (\\S+) \\(pid ${String(killed.pid)} on `, 'm').exec(out.stdout)?.[1] as string;
    const before = out.stdout.length;
    killed.kill('SIGKILL');
    await waitFor(
      () => looksSince(out.stdout, before).some((look) => look.includes(`replica ${id} is gone`)),
      'the killed replica said gone',
    );
    const look = looksSince(out.stdout, before).find((l) => l.includes(`replica ${id} is gone`)) as string;
    expect(look).toMatch(new RegExp(`^NOT ANSWERING: replica ${id} is gone: nothing listens on its channel`, 'm'));
    expect(look).not.toContain('No service is listening');
    expect(look).toContain('last known threads:');
  });
});

describe('daebus watch on a service that stops', () => {
  // Before, a replicated service that stopped cleanly was "busy or stalled": its request waited in
  // the stream, and only a TIMEOUT came back.
  for (const replicated of [true, false]) {
    it(`says it is not running once it stopped cleanly${replicated ? ' (replicated)' : ''}`, async () => {
      const service = `watch_stopped_${randomUUID()}`;
      const started = await startFixtureService(service, redis.url, children, replicated ? { REPLICAS: '1' } : {});
      const { out } = watch(service, 1_000);
      await waitFor(() => /^THREAD /m.test(out.stdout), 'a look with the table');
      const before = out.stdout.length;
      started.kill('SIGTERM');
      await waitFor(() => looksSince(out.stdout, before).some((look) => look.includes('NOT RUNNING')), 'a look after the stop');
      const looks = looksSince(out.stdout, before);
      expect(looks.find((look) => look.includes('NOT RUNNING'))).toMatch(
        new RegExp(`^NOT RUNNING: service "${service}" has stopped or died: nothing listens on its channel any more`, 'm'),
      );
      expect(looks.join('')).not.toContain('busy or stalled');
    });
  }
});

describe('daebus watch while Redis restarts', () => {
  // Before, the look after Redis came back said NOT RUNNING when this command had reconnected and
  // the service had not subscribed again yet (held here with SIGSTOP, so that it is always so).
  it('does not call a service that is still reconnecting stopped', async () => {
    const service = `watch_restart_${randomUUID()}`;
    const started = await startFixtureService(service, redis.url, children);
    const { out } = watch(service, 1_000);
    await waitFor(() => /^THREAD /m.test(out.stdout), 'a look with the table');
    const before = out.stdout.length;
    redisStopped = true;
    await redis.stop();
    await waitFor(() => looksSince(out.stdout, before).some((look) => look.includes('NO ANSWER FROM REDIS')), 'a look in the outage');
    started.kill('SIGSTOP');
    try {
      await redis.start();
      redisStopped = false;
      const afterRedis = (): string[] => looksSince(out.stdout, before).filter((look) => !look.includes('NO ANSWER FROM REDIS'));
      await waitFor(() => afterRedis().length > 0, 'a look once Redis is back', 30_000);
      expect(afterRedis()[0]).toMatch(
        new RegExp(`^NOT ANSWERING: nothing listens on the channel of service "${service}" yet: Redis was unreachable moments ago`, 'm'),
      );
    } finally {
      started.kill('SIGCONT');
    }
    const since = (): string[] => looksSince(out.stdout, before);
    await waitFor(() => /^service /m.test(since().at(-1) ?? ''), 'a look answered again', 30_000);
    expect(since().join('')).not.toContain('NOT RUNNING');
  });
});
