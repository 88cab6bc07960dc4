// The `daebus` command against a replicated service whose every request slot is busy, with more
// requests waiting in its stream: the verbs find the replicas by their presence in Redis and ask
// each on its own channel, so they answer at once. Before, they first sent daebus.ping and
// daebus.replicas through the stream, where those waited behind the queued requests, and failed
// with exit 3, "not a daebus service for Node".
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';
import { killAll, type Ran, startCli, startFixtureService } from '../support/cli-process';

jest.setTimeout(60_000);

const service = `cli_busy_${randomUUID()}`;
const children: ChildProcess[] = [];
const watches: ChildProcess[] = [];
let caller: DaebusCaller;
let redis: Redis;
/** The slow requests sent: one runs, the others wait in the stream until the test ends. */
const slow: Promise<unknown>[] = [];
let pid: number;

beforeAll(async () => {
  // one request at a time: the first slow one takes the only slot
  pid = (await startFixtureService(service, TEST_REDIS_URL, children, { REPLICAS: '1', MAX_IN_FLIGHT: '1' })).pid as number;
  caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 120_000 });
  redis = new Redis(TEST_REDIS_URL);
  for (let i = 0; i < 3; i++) slow.push(caller.sendRequest('slow', { ms: 120_000 }).catch(() => undefined));
  await waitFor(async () => {
    const [replica] = await caller.replicas();
    const queued = await redis.xlen(`daebus:{${service}}:requests`);
    return replica?.inFlight === 1 && queued >= 3;
  }, 'one slow request running, the others in the stream');
});

afterEach(() => {
  for (const watch of watches.splice(0)) if (watch.exitCode === null) watch.kill('SIGKILL');
});

afterAll(async () => {
  await killAll(children);
  await caller.close();
  await Promise.all(slow);
  redis.disconnect();
});

function daebus(args: string[]): Promise<Ran> {
  return startCli(['--timeout', '2000', ...args]).done;
}

describe('a replicated service with every slot busy and requests queued', () => {
  it('daebus health answers, ready, exit 0', async () => {
    const ran = await daebus(['health', service]);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`^replica \\S+ \\(pid ${pid} on .*\\)\\nok, ready`, 'm'));
  });

  it('daebus threads and daebus replicas answer', async () => {
    const threads = await daebus(['threads', service]);
    expect({ code: threads.code, stderr: threads.stderr }).toEqual({ code: 0, stderr: '' });
    expect(threads.stdout).toMatch(/^sleeper +running/m);
    const replicas = JSON.parse((await daebus(['replicas', service, '--json'])).stdout) as { pid: number; inFlight: number }[];
    expect(replicas).toEqual([expect.objectContaining({ pid, inFlight: 1 })]);
  });

  it('the admin verbs act on the replica', async () => {
    const paused = await daebus(['task', 'pause', service, 'tick', '--token', 'let-me-in']);
    expect({ code: paused.code, stderr: paused.stderr }).toEqual({ code: 0, stderr: '' });
    expect(paused.stdout).toContain('task "tick": paused');
    expect((await daebus(['task', 'resume', service, 'tick', '--token', 'let-me-in'])).code).toBe(0);
  });

  it("daebus watch shows the replica's block", async () => {
    const watch = startCli(['--timeout', '2000', 'watch', service, '--interval', '100']);
    watches.push(watch.child);
    await waitFor(() => (watch.out.stdout.match(/^--- \d{4}-/gm) ?? []).length >= 2 || watch.child.exitCode !== null, 'two looks');
    watch.child.kill('SIGINT');
    const ran = await watch.done;
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: '' });
    const look = ran.stdout.split(/^--- /m)[1] as string;
    expect(look).toContain(`(pid ${pid} on `);
    expect(look).toMatch(/^health +ok, ready/m);
  });
});

// Built-in actions from callers: the lease holder answers a daebus.* request at once instead of
// adding it to the stream, where it waited behind the queued requests (and timed out).
describe('built-in actions sent to the busy replicated service', () => {
  it('a DaebusCaller gets daebus.health and daebus.ping at once', async () => {
    const probe = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 2_000 });
    try {
      await expect(probe.sendRequest('daebus.health')).resolves.toMatchObject({ ready: true });
      await expect(probe.sendRequest('daebus.ping')).resolves.toMatchObject({ pong: true });
    } finally {
      await probe.close();
    }
  });

  it("a Python caller's daebus.ping on the service channel is answered at once", async () => {
    const replyTo = `python_caller_${randomUUID()}`;
    const listener = new Redis(TEST_REDIS_URL);
    try {
      const reply = new Promise<Record<string, unknown>>((resolve) => {
        listener.on('message', (_channel: string, text: string) => resolve(JSON.parse(text) as Record<string, unknown>));
      });
      await listener.subscribe(replyTo);
      // as Python Daebus's DaebusCaller.send_request writes it
      const request = { action: 'daebus.ping', payload: {}, reply_to: replyTo, request_id: randomUUID() };
      expect(await redis.publish(service, JSON.stringify(request))).toBe(1);
      const answer = await Promise.race([reply, new Promise((resolve) => setTimeout(() => resolve('no answer in 2 s'), 2_000))]);
      expect(answer).toMatchObject({ status: 'success', request_id: request.request_id, payload: { pong: true } });
    } finally {
      listener.disconnect();
    }
  });
});
