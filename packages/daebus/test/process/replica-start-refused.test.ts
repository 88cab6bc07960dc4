// A service or replica whose start Redis refuses part-way (a Redis user without a permission it needs)
// fails the start with TRANSPORT_ERROR naming what it was doing, and the process run() owns ends:
// the request stream reader's connection, made for the start, kept it alive for good (exit code 1
// set, nothing served, nothing for a process manager to restart).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { TEST_REDIS_URL } from '../support/redis-server';

const user = `daebus-noclient-${randomUUID()}`;
const password = 'test-password';
const admin = new Redis(TEST_REDIS_URL);
const url = TEST_REDIS_URL.replace('redis://', `redis://${user}:${password}@`);

beforeAll(async () => {
  // everything but CLIENT: the stream reader asks for its CLIENT ID after the rest of the start
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-client');
});
afterAll(async () => {
  await admin.call('ACL', 'DELUSER', user);
  admin.disconnect();
});

/** Run `script` with `node -e`; a process left alive is ended by the timeout: killed, not exited. */
function runScript(script: string): Promise<{ code: number | undefined; killed: boolean; out: string }> {
  return promisify(execFile)(process.execPath, ['-e', script], { timeout: 20_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, killed: false, out: stdout + stderr }),
    (err: { code?: number; killed?: boolean; stdout?: string; stderr?: string }) => ({
      code: err.code,
      killed: err.killed === true,
      out: `${err.stdout ?? ''}${err.stderr ?? ''}`,
    }),
  );
}

describe('a replica whose start Redis refuses', () => {
  it('rejects app.start() with TRANSPORT_ERROR naming the replica, the refusal and where the permissions are listed', async () => {
    const service = `refused_${randomUUID()}`;
    const app = new Daebus('refused');
    app.logger.silent = true;
    const failure = await app.start({ service, redis: url, replicas: true }).then(
      () => undefined,
      (err: unknown) => err as { code?: string; message?: string },
    );
    await app.stop();
    expect(failure?.code).toBe('TRANSPORT_ERROR');
    expect(failure?.message).toContain(`Could not start a replica of service "${service}" on Redis: NOPERM`);
    expect(failure?.message).toContain('"Redis permissions"');
    // it left no replica listed
    expect(await admin.zcard(`daebus:{${service}}:replicas`)).toBe(0);
  });

  it('ends the process run() owns with exit code 1, by itself', async () => {
    const service = `refused_${randomUUID()}`;
    const script = `
      const { Daebus } = require(${JSON.stringify(join(__dirname, '..', '..'))});
      const app = new Daebus('refused');
      app.run({ service: ${JSON.stringify(service)}, redis: ${JSON.stringify(url)}, replicas: true })
        .then((code) => console.log('run resolved ' + code));
    `;
    const outcome = await runScript(script);
    expect(outcome.killed).toBe(false);
    expect(outcome.code).toBe(1);
    expect(outcome.out).toContain('run resolved 1');
    expect(outcome.out).toContain('NOPERM');
    expect(outcome.out).not.toContain('Still running');
  });

  it('leaves a process whose run() failed to a run() that follows: it serves until its own stop', async () => {
    // a run() retried after a failed start (here an option misspelt) serves on: nothing left by
    // the failed start ends the process (a first version of this change ended it 2 s later)
    const script = `
      const { Daebus } = require(${JSON.stringify(join(__dirname, '..', '..'))});
      const app = new Daebus('retried');
      app.run({ conectTimeoutMs: 5 }).then(async (first) => {
        console.log('first run resolved ' + first);
        setTimeout(() => process.kill(process.pid, 'SIGTERM'), 3000);
        console.log('second run resolved ' + (await app.run({ service: ${JSON.stringify(`retried_${randomUUID()}`)}, transport: 'memory' })));
      });
    `;
    const outcome = await runScript(script);
    expect(outcome.out).toContain('first run resolved 1');
    expect(outcome.out).toContain('second run resolved 0');
    expect(outcome.code).toBe(0);
  });
});

describe('a service whose start Redis refuses', () => {
  it('rejects app.start() with TRANSPORT_ERROR naming the service and the refusal (a channel it may not use)', async () => {
    const lone = `daebus-otherchannel-${randomUUID()}`;
    await admin.call('ACL', 'SETUSER', lone, 'on', `>${password}`, '~*', '&other', '+@all');
    try {
      const service = `refused_${randomUUID()}`;
      const app = new Daebus('refused');
      app.logger.silent = true;
      const failure = await app.start({ service, redis: TEST_REDIS_URL.replace('redis://', `redis://${lone}:${password}@`) }).then(
        () => undefined,
        (err: unknown) => err as { code?: string; message?: string },
      );
      await app.stop();
      expect(failure?.code).toBe('TRANSPORT_ERROR');
      expect(failure?.message).toContain(`Could not start service "${service}" on Redis: NOPERM`);
      expect(failure?.message).toContain('"Redis permissions"');
    } finally {
      await admin.call('ACL', 'DELUSER', lone);
    }
  });
});
