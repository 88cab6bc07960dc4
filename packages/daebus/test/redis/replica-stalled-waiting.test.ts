// A replica that stalls (its event loop held: a long synchronous run, a GC pause, SIGSTOP) for
// longer than visibilityTimeoutMs while requests it read wait for a slot of their action. Another
// replica takes them over meanwhile: one it has run and confirmed, one it still runs. Played in
// one process: the test holds the event loop while redis-cli does what the other replica does.
// Before, the woken replica ran both as well, as attempt 1, and took the running one back from
// the other replica (its renewal claimed it); the README says a request read and not started
// when a replica stalled runs on the other replica only.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Daebus, request } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

jest.setTimeout(60_000);

const VISIBILITY_MS = 600;
let redis: PrivateRedis;
let app: Daebus | undefined;

beforeAll(async () => {
  redis = await privateRedis();
});
afterAll(async () => {
  await app?.stop();
  await redis.stop();
});

async function stalledWhileWaiting(finishedThere: boolean): Promise<{ runs: string[]; owner: string; said: boolean }> {
  const service = `stalled_waiting_${randomUUID()}`;
  const runs: string[] = [];
  let release: () => void = () => undefined;
  const { logger, records } = captureLogger();
  app = new Daebus('stalled_waiting', { logger });
  app.action(
    'work',
    async (payload) => {
      runs.push(`${String(payload.id)} attempt ${request.attempt}`);
      if (payload.id === 'first') await new Promise<void>((resolve) => (release = resolve));
      return { id: payload.id };
    },
    { concurrency: 1 },
  );
  await app.start({ service, redis: redis.url, replicas: { visibilityTimeoutMs: VISIBILITY_MS, heartbeatMs: 100 } });
  const stream = `daebus:{${service}}:requests`;
  const cli = (...args: string[]): string => execFileSync('redis-cli', ['-p', String(redis.port), ...args], { encoding: 'utf8' }).trim();
  // messages that wait for no reply (as a Python caller's send_to_service)
  const add = (id: string): string => cli('XADD', stream, '*', 'm', JSON.stringify({ action: 'work', id }));
  add('first');
  await waitFor(() => runs.length === 1, 'the first request running');
  const waiting = add('waiting');
  await waitFor(() => cli('XPENDING', stream, 'daebus').startsWith('2'), 'the second read here, waiting for the slot');
  await new Promise((resolve) => setTimeout(resolve, 300)); // the read's answer taken in: the request waits in the dispatcher
  // the stall: the other replica takes the waiting one over, and runs it (and confirms it, or not yet)
  const until = Date.now() + 3 * VISIBILITY_MS;
  cli('XCLAIM', stream, 'daebus', 'another-replica', '0', waiting);
  if (finishedThere) {
    cli('XACK', stream, 'daebus', waiting);
    cli('XDEL', stream, waiting);
  }
  while (Date.now() < until); // held: no timer, no socket of this process runs
  // the other replica renews what it runs (its idle time reset, as every replica does)
  if (!finishedThere) cli('XCLAIM', stream, 'daebus', 'another-replica', '0', waiting, 'JUSTID');
  release();
  add('after');
  await waitFor(() => runs.includes('after attempt 1'), 'a request sent after the stall');
  const [, owner = ''] = cli('XPENDING', stream, 'daebus', waiting, waiting, '1').split('\n');
  await app.stop();
  const said = records.some((r) => /renewed its requests \d+ ms after the last time .*: 1 of them were taken over/.test(String(r.message)));
  return { runs, owner, said };
}

it('does not run a request that waited for a slot through a stall, which another replica took over and ran', async () => {
  const { runs, said } = await stalledWhileWaiting(true);
  expect(runs).toEqual(['first attempt 1', 'after attempt 1']);
  expect(said).toBe(true);
});

it('does not run, nor take back, a request that waited for a slot through a stall, which another replica still runs', async () => {
  const { runs, owner, said } = await stalledWhileWaiting(false);
  expect(runs).toEqual(['first attempt 1', 'after attempt 1']);
  // before, this replica's renewal claimed it back from the one running it
  expect(owner).toBe('another-replica');
  expect(said).toBe(true);
});
