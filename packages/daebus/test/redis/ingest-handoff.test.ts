// A replica holding the pub/sub lease stops while requests keep coming over pub/sub (as a Python
// caller sends them). Before, it unsubscribed, released the lease, then told the others, which
// took it and subscribed: for those round trips no connection was subscribed, and what was
// published then reached no replica (PUBLISH answered 0). Now another replica takes the lease
// over while both are subscribed: every request published is run, once.
import Redis from 'ioredis';
import { Daebus } from 'daebus';
import { captureLogger, waitFor, type LogRecord } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';
import { replicatedPerTest } from '../support/replicated-per-test';

jest.setTimeout(60_000);

const t = replicatedPerTest('handoff');

/** The payloads run, by any replica. */
const ran: number[] = [];
beforeEach(() => void ran.splice(0));

async function replica(): Promise<{ app: Daebus; records: LogRecord[] }> {
  const { logger, records } = captureLogger();
  const app = new Daebus('handoff', { logger });
  app.action('count', (payload) => void ran.push(payload.n as number));
  t.apps.push(app);
  // a stop waits a heartbeat for a taker: room for a loaded machine
  await app.start({ service: t.service, redis: TEST_REDIS_URL, replicas: { heartbeatMs: 2_000 } });
  return { app, records };
}

/** What the replicas said of the lease or of requests not added (a loaded machine may add unrelated lines, as a held event loop's). */
const warnings = (records: LogRecord[]): string[] =>
  records
    .filter((r) => (r.level === 'warn' || r.level === 'error') && /lease|Did not add|could not/i.test(r.message))
    .map((r) => r.message);

describe('the pub/sub lease at a clean stop', () => {
  it.each([1, 2])('goes over to another replica with no request missed or run twice (%i other replicas)', async (others) => {
    const first = await replica(); // takes the lease: the first to ask
    const rest = await Promise.all(Array.from({ length: others }, () => replica()));
    const publisher = new Redis(TEST_REDIS_URL);
    const leaseKey = `daebus:{${t.service}}:ingest`;
    try {
      const holder = await publisher.get(leaseKey);
      expect(holder).not.toBeNull();
      let n = 0;
      const unheard: number[] = [];
      let stopped = false;
      const publishing = (async () => {
        // on until a while after the stop: the taker's first requests count too
        for (let after = 0; after < 300; after += stopped ? 1 : 0) {
          const message = JSON.stringify({ action: 'count', payload: { n }, request_id: `r${n}`, reply_to: `void_${t.service}` });
          if ((await publisher.publish(t.service, message)) === 0) unheard.push(n);
          n++;
        }
      })();
      await waitFor(() => ran.length > 300, 'requests running');
      await first.app.stop();
      stopped = true;
      await publishing;
      await waitFor(() => ran.length >= n - unheard.length, `${n} requests run`, 10_000);
      // no moment without a subscriber, and each request run once
      expect(unheard).toEqual([]);
      expect([...ran].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      // the lease went to one of the others, said by no warning on either side
      const taker = await publisher.get(leaseKey);
      expect(taker).not.toBeNull();
      expect(taker).not.toBe(holder);
      expect([first, ...rest].flatMap(({ records }) => warnings(records))).toEqual([]);
    } finally {
      await publisher.quit();
    }
  });
});
