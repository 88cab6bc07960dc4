// A replica reads one request ahead of its free slots: a pooled action's timeout does not count
// that request's wait for a slot here (left in the stream, it would not have waited), so steady
// load on replicas with concurrency 1 does not time requests out.
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger, fixture } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';
import { replicatedPerTest } from '../support/replicated-per-test';

jest.setTimeout(60_000);

const t = replicatedPerTest('replica_pooled_timeout');

async function startReplica(): Promise<void> {
  const app = new Daebus('pooled_timeout', { logger: captureLogger().logger, maxWorkers: 1 });
  app.action('waits', { module: fixture('pooled.mjs'), export: 'waits', timeoutMs: 2_000 }, { concurrency: 1 });
  t.apps.push(app);
  await app.start({ service: t.service, redis: TEST_REDIS_URL, replicas: {} });
}

describe('replicas running a pooled action with concurrency 1', () => {
  it('time out no request that waited in a replica for a slot, each running well within its timeout', async () => {
    await startReplica();
    await startReplica();
    const caller = new DaebusCaller(t.service, { redis: TEST_REDIS_URL, timeoutMs: 30_000 });
    t.callers.push(caller);
    // each runs 1.2 s of its 2 s; a request read ahead waits about 1.2 s for the slot: before, that
    // wait counted, and all but the first two ran out of time (stopped mid-run, TIMEOUT)
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        caller.sendRequest('waits', { ms: 1_200 }).then(
          () => 'ok',
          (err: { details?: { remoteCode?: string } }) => err.details?.remoteCode ?? String(err),
        ),
      ),
    );
    expect(outcomes).toEqual(Array.from({ length: 6 }, () => 'ok'));
  });
});
