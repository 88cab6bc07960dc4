// The `daebus` command against a service that answers with what no daebus service sends: replies
// nested too deep to write, text holding terminal escape sequences. The command reports, it does
// not crash, and on a terminal it shows control characters instead of obeying them.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { TEST_REDIS_URL } from '../support/redis-server';
import { startCli, type Ran } from '../support/cli-process';

jest.setTimeout(30_000);

const DEEP = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
const service = `cli_hostile_${randomUUID()}`;
let sub: Redis;
let pub: Redis;

/** Each request on the service's channel is answered with the reply text `answers[action]` gives. */
const answers: Record<string, (requestId: string) => string> = {
  deep: (id) => `{"status": "success", "payload": ${DEEP}, "request_id": "${id}", "final": true}`,
  'deep-error': (id) => `{"status": "error", "payload": {"error": ${DEEP}}, "request_id": "${id}", "final": true}`,
  'deep-update': (id) =>
    `{"status": "success", "payload": ${DEEP}, "request_id": "${id}", "final": false}\n` +
    `{"status": "success", "payload": {"done": true}, "request_id": "${id}", "final": true}`,
  escapes: (id) =>
    `{"status": "error", "payload": {"error": "no \\u001b]0;owned\\u0007 \\u001b[2J here"}, "request_id": "${id}", "final": true}`,
};

beforeAll(async () => {
  sub = new Redis(TEST_REDIS_URL);
  pub = new Redis(TEST_REDIS_URL);
  sub.on('message', (_channel: string, text: string) => {
    const request = JSON.parse(text) as { action: string; reply_to: string; request_id: string };
    for (const reply of answers[request.action]?.(request.request_id).split('\n') ?? []) void pub.publish(request.reply_to, reply);
  });
  await sub.subscribe(service);
});
afterAll(async () => {
  await sub.quit();
  await pub.quit();
});

function daebus(args: string[], terminal = false): Promise<Ran> {
  return startCli(args, { env: { NO_COLOR: '1' }, terminal }).done;
}

describe('daebus call against a hostile service', () => {
  it('a reply nested too deep to write: exit 1 saying so, not a stack trace', async () => {
    const ran = await daebus(['call', service, 'deep']);
    expect(ran.code).toBe(1);
    expect(ran.stderr.trim()).toBe('daebus: the answer is nested 20000 levels deep: too deep to write as JSON.');
  });

  it('an error reply nested too deep: REMOTE_ERROR, exit 1, the command does not crash', async () => {
    const ran = await daebus(['call', service, 'deep-error']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/^daebus: error REMOTE_ERROR: /);
    expect(ran.stderr).not.toContain('RangeError');
  });

  it('an update nested too deep is said on stderr, and the reply still comes', async () => {
    const ran = await daebus(['call', service, 'deep-update']);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toContain('daebus: an update came that could not be written: the answer is nested 20000 levels deep');
    expect(JSON.parse(ran.stdout)).toEqual({ done: true });
  });

  it('on a terminal, escape sequences in what the service sent are shown, not obeyed', async () => {
    const ran = await daebus(['call', service, 'escapes'], true);
    expect(ran.code).toBe(1);
    expect(ran.stderr).not.toContain('\x1b');
    expect(ran.stderr).not.toContain('\x07');
    expect(ran.stderr).toContain('no \\u001b]0;owned\\u0007 \\u001b[2J here');
    // not on a terminal (a pipe, a file): written as sent
    expect((await daebus(['call', service, 'escapes'])).stderr).toContain('no \x1b]0;owned\x07 \x1b[2J here');
  });
});
