// A replica whose read of the request stream was answered while it stalled (SIGSTOP, a long
// synchronous pause) for longer than visibilityTimeoutMs, while another replica took the request
// over and ran it (attempt 2). Before, the woken replica ran it too, as attempt 1 (the reviewer
// saw it about one try in two, `put` requests putting an item twice). A read answered that late
// now runs only the requests still this replica's.
import { randomUUID } from 'node:crypto';
import { Daebus, DaebusCaller, request } from 'daebus';
import { captureLogger } from '../support/helpers';
import { privateRedis, type PrivateRedis } from '../support/redis-server';
import { stallOnCommand, type Cli } from '../support/stall-after-read';

jest.setTimeout(60_000);

const VISIBILITY_MS = 400;
let redis: PrivateRedis;
let app: Daebus | undefined;
let caller: DaebusCaller | undefined;

beforeAll(async () => {
  redis = await privateRedis();
});
afterAll(async () => {
  await caller?.close();
  await app?.stop();
  await redis.stop();
});

it('does not run a request it read before a stall once another replica took it over', async () => {
  const service = `late_read_${randomUUID()}`;
  const runs: string[] = [];
  const { logger, records } = captureLogger();
  app = new Daebus('late_read', { logger });
  app.action('work', (payload) => {
    runs.push(`${String(payload.id)} attempt ${request.attempt}`);
    return { id: payload.id };
  });
  await app.start({ service, redis: redis.url, replicas: { visibilityTimeoutMs: VISIBILITY_MS, heartbeatMs: 100 } });
  const stream = `daebus:{${service}}:requests`;
  const read = (args: string[]): boolean => args[0]?.toLowerCase() === 'xreadgroup' && args.includes(stream);
  const { stalled } = await stallOnCommand(redis, read, 2 * VISIBILITY_MS, (cli: Cli) => {
    // a message that waits for no reply (as a Python caller's send_to_service): it answers the blocked read
    const id = cli('XADD', stream, '*', 'm', JSON.stringify({ action: 'work', id: 'late' }));
    const [, owner] = cli('XPENDING', stream, 'daebus', id, id, '1').split('\n');
    // the other replica claims it (visibilityTimeoutMs later, for real), runs it and confirms it
    cli('XCLAIM', stream, 'daebus', 'another-replica', '0', id);
    cli('XACK', stream, 'daebus', id);
    cli('XDEL', stream, id);
    return owner;
  });
  await expect(stalled).resolves.toMatch(/./); // the read had it: pending under this replica
  caller = new DaebusCaller(service, { redis: redis.url, timeoutMs: 20_000 });
  // answered by this replica after its late read: that one's requests were run or dropped by then
  await expect(caller.sendRequest('work', { id: 'after' })).resolves.toEqual({ id: 'after' });
  expect(runs).toEqual(['after attempt 1']);
  expect(records.some((r) => /taken over by another replica meanwhile/.test(String(r.message)))).toBe(true);
});
