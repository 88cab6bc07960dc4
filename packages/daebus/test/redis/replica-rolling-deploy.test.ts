// A rolling deploy that adds an action: old and new replicas run side by side. A request for the
// new action that an old replica reads goes back to the stream for a replica that has it. Before,
// the old replica answered it UNKNOWN_ACTION (about half of such requests, with two replicas).
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller, DaebusError } from 'daebus';
import { captureLogger, waitFor, type LogRecord } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';
import { replicatedPerTest } from '../support/replicated-per-test';

jest.setTimeout(60_000);

const t = replicatedPerTest('rolling');
/** The runs of action 'old', by the version of the replica that ran it. */
const ran: string[] = [];
beforeEach(() => void ran.splice(0));

/** A replica with the actions of its version: 'old' only, or 'old' and 'added' (which waits for `gate`, when given). */
async function replica(version: 'old' | 'new', gate?: Promise<void>): Promise<{ app: Daebus; records: LogRecord[] }> {
  const { logger, records } = captureLogger();
  const app = new Daebus('rolling', { logger });
  app.action('old', () => {
    ran.push(version);
    return version;
  });
  if (version === 'new') app.action('added', async () => (await gate, 'new'), { concurrency: 1 });
  t.apps.push(app);
  await app.start({ service: t.service, redis: TEST_REDIS_URL, replicas: { heartbeatMs: 200 } });
  return { app, records };
}

function caller(): DaebusCaller {
  const made = new DaebusCaller(t.service, { redis: TEST_REDIS_URL, timeoutMs: 15_000 });
  t.callers.push(made);
  return made;
}

const handedOver = (records: LogRecord[]): boolean => records.some((r) => /^Requests for "added", an action this replica/.test(r.message));

describe('replicas of two versions, one with an action the other lacks', () => {
  it('every request for the new action is answered by a replica that has it', async () => {
    const oldOne = await replica('old');
    await replica('new');
    const client = caller();
    // both replicas listed, so that the caller appends to the stream, which both read
    await waitFor(async () => (await client.replicas()).length === 2, 'both replicas listed');
    let answers: unknown[] = [];
    for (let round = 0; round < 5 && !handedOver(oldOne.records); round++) {
      answers = await Promise.all(Array.from({ length: 40 }, () => client.sendRequest('added', {})));
      expect(answers).toEqual(Array.from({ length: 40 }, () => 'new'));
    }
    // the old replica did read some of them (else this test shows nothing), and said so once
    expect(oldOne.records.filter((r) => handedOver([r]))).toHaveLength(1);
    // both versions still answer the action they share
    const shared = await Promise.all(Array.from({ length: 20 }, () => client.sendRequest('old', {})));
    expect(new Set(shared)).toEqual(new Set(['old', 'new']));
  });

  it('an action no replica has is answered UNKNOWN_ACTION at once, naming what the replica has', async () => {
    await replica('old');
    await replica('new');
    const client = caller();
    await waitFor(async () => (await client.replicas()).length === 2, 'both replicas listed');
    // each lists its own actions, oldest replica first
    expect((await client.replicas()).map((r) => r.actions)).toEqual([['old'], ['old', 'added']]);
    for (let i = 0; i < 6; i++) {
      const error = await client.sendRequest('typo', {}).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(DaebusError);
      expect((error as DaebusError).code).toBe('REMOTE_ERROR');
      expect((error as DaebusError).details).toMatchObject({ remoteCode: 'UNKNOWN_ACTION' });
      expect((error as Error).message).toMatch(/Unknown action "typo"; this service has: old/);
    }
  });

  it('once the only replica with the action stops, the old one answers UNKNOWN_ACTION', async () => {
    await replica('old');
    const newOne = await replica('new');
    const client = caller();
    await waitFor(async () => (await client.replicas()).length === 2, 'both replicas listed');
    await newOne.app.stop();
    await waitFor(async () => (await client.replicas()).length === 1, 'one replica listed');
    const error = await client.sendRequest('added', {}).catch((err: unknown) => err);
    expect((error as DaebusError).details).toMatchObject({ remoteCode: 'UNKNOWN_ACTION' });
  });

  it('a replica that stops while it passes requests on leaves none behind', async () => {
    const oldOne = await replica('old');
    let open = (): void => undefined;
    await replica('new', new Promise<void>((resolve) => (open = resolve)));
    const client = caller();
    await waitFor(async () => (await client.replicas()).length === 2, 'both replicas listed');
    // the new replica runs one and holds one waiting: it reads no more, the old one passes the rest on and on
    const answers = Promise.all(Array.from({ length: 10 }, () => client.sendRequest('added', {})));
    await waitFor(() => handedOver(oldOne.records), 'the old replica passing requests on');
    await oldOne.app.stop();
    open();
    expect(await answers).toEqual(Array.from({ length: 10 }, () => 'new'));
  });

  it('a request handed back keeps its count of deliveries: one that killed replicas is dead-lettered after maxAttempts', async () => {
    // as an old replica hands it back after taking it over from a new one that died running it
    const { app } = await replica('new');
    const raw = JSON.stringify({ action: 'old', payload: {}, reply_to: `caller:${randomUUID()}`, request_id: 'poison' });
    const redis = new Redis(TEST_REDIS_URL);
    try {
      await redis.xadd(`daebus:{${t.service}}:requests`, '*', 'm', raw, 'p', '5'); // maxAttempts is 5
      await waitFor(async () => (await app.deadLetters()).length === 1, 'the request dead-lettered');
      // before: delivery 1 of a new entry, so it ran again (and again, each time it went back)
      expect(ran).toEqual([]);
    } finally {
      await redis.quit();
    }
  });
});
