// The `daebus` admin verbs print a thread's ages from the clock of the service that answered,
// not from this machine's: the two may disagree (another host), and a reply may be printed late.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../support/redis-server';
import { startCli } from '../support/cli-process';

jest.setTimeout(30_000);

const service = `cli_clock_${randomUUID()}`;
let sub: Redis;
let pub: Redis;
/** The service's clock: an hour behind this machine's. */
const serviceNow = Date.now() - 3_600_000;

/** What a daebus service answers to daebus.thread.stop: the snapshot, stamped with its clock. */
function stopReply(withClock: boolean): object {
  const snapshot = {
    name: 'poller',
    state: 'stopped',
    restarts: 0,
    lastExit: { reason: 'stopped', code: 0, terminated: false, at: serviceNow - 5_000, uptimeMs: 1_000 },
  };
  return withClock ? { ...snapshot, at: serviceNow } : snapshot;
}

beforeAll(async () => {
  sub = new Redis(TEST_REDIS_URL);
  pub = new Redis(TEST_REDIS_URL);
  sub.on('message', (_channel: string, text: string) => {
    const request = JSON.parse(text) as { action: string; reply_to: string; request_id: string; payload: { name: string } };
    // the command pings first, to tell a daebus service for Node
    const payload =
      request.action === 'daebus.ping'
        ? { pong: true, at: serviceNow }
        : request.action === 'daebus.thread.stop'
          ? stopReply(request.payload.name === 'poller')
          : undefined;
    if (payload === undefined) return;
    void pub.publish(request.reply_to, JSON.stringify({ status: 'success', payload, request_id: request.request_id, final: true }));
  });
  await sub.subscribe(service);
});
afterAll(async () => {
  await sub.quit();
  await pub.quit();
});

describe('daebus thread stop', () => {
  it("counts the last exit's age from the service's clock in its reply", async () => {
    const ran = await startCli(['thread', 'stop', service, 'poller'], { env: { NO_COLOR: '1' } }).done;
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('stopped, code 0, 5.0s ago');
  });

  it('counts from its own clock when the reply carries none (an older service)', async () => {
    const ran = await startCli(['thread', 'stop', service, 'old-service'], { env: { NO_COLOR: '1' } }).done;
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/stopped, code 0, 1h00m ago/);
  });
});
