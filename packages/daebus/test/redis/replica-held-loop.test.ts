// What a replica's own log says of it. A replica whose event loop is held past three heartbeats (a
// long synchronous handler) is counted as gone by the others, which may run its requests again and
// take its lease; before, its own log said nothing of it (only the other replica's "Took over"
// line told). And its listening line names its id, which ties its log to `daebus replicas`.
import { Daebus } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';
import { replicatedPerTest } from '../support/replicated-per-test';

jest.setTimeout(30_000);

const t = replicatedPerTest('held_loop');

function holdEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a synchronous handler's work
  }
}

it('says in its own log that its event loop was held past three heartbeats', async () => {
  const { logger, records } = captureLogger();
  const app = new Daebus('held_loop', { logger });
  t.apps.push(app);
  await app.start({ service: t.service, redis: TEST_REDIS_URL, replicas: { heartbeatMs: 100 } });
  holdEventLoop(600);
  await waitFor(() => records.some((r) => /event loop was held/.test(String(r.message))), 'the held loop said');
  const line = records.find((r) => /event loop was held/.test(String(r.message)));
  expect(line).toMatchObject({ level: 'warn' });
  expect(String(line?.message)).toMatch(
    /^This replica sent no heartbeat for \d+\.\d s: its event loop was held .* Past three heartbeats \(300 ms\)/,
  );
  // held again at once: not said again within the minute (a tiny heartbeatMs under load would write a line each time)
  holdEventLoop(600);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(records.filter((r) => /event loop was held/.test(String(r.message)))).toHaveLength(1);
});

it('says nothing while the loop keeps its heartbeats', async () => {
  const { logger, records } = captureLogger();
  const app = new Daebus('held_loop', { logger });
  t.apps.push(app);
  await app.start({ service: t.service, redis: TEST_REDIS_URL, replicas: { heartbeatMs: 1_000 } });
  holdEventLoop(600); // well under three heartbeats
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  expect(records.filter((r) => /event loop was held/.test(String(r.message)))).toEqual([]);
});

it("names the replica's id in its listening line, as `daebus replicas` lists it (before: nothing tied a replica's log to its id)", async () => {
  const { logger, records } = captureLogger();
  const app = new Daebus('held_loop', { logger });
  t.apps.push(app);
  await app.start({ service: t.service, redis: TEST_REDIS_URL, replicas: { heartbeatMs: 1_000 } });
  const [listed] = await app.replicas();
  const line = records.find((r) => / listening on /.test(String(r.message)));
  expect(line).toMatchObject({ replica: listed?.id, message: expect.stringMatching(new RegExp(`as replica ${String(listed?.id)}$`)) });
});
