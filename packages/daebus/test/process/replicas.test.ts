// One service run as several processes on one Redis: each request handled once, nothing lost when
// a replica dies or restarts, state shared. Real child processes, a real Redis.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { fixture, onJsonLines, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(120_000);

class Replica {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  readonly ready: Promise<void>;
  readonly lines: Record<string, unknown>[] = [];

  constructor(service: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [fixture('replica.cjs'), service, TEST_REDIS_URL], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.ready = new Promise((resolve, reject) => {
      onJsonLines(this.child.stdout, (line) => {
        this.lines.push(line);
        if (line.ready === true) resolve();
      });
      void this.exited.then((code) => reject(new Error(`replica exited (${String(code)}) before it was ready`)));
    });
  }

  /** SIGTERM, as an orchestrator scales down; resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.child.kill('SIGTERM');
    return this.exited;
  }
}

let service: string;
let redis: Redis;
let replicas: Replica[];
const callers: DaebusCaller[] = [];

beforeEach(() => {
  service = `replicated_${randomUUID()}`;
  redis = new Redis(TEST_REDIS_URL);
  replicas = [];
});

afterEach(async () => {
  await Promise.all(callers.splice(0).map((c) => c.close()));
  for (const replica of replicas) replica.child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.exited));
  const keys = await redis.keys(`*{${service}}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

async function start(count: number, env?: NodeJS.ProcessEnv): Promise<Replica[]> {
  const started = Array.from({ length: count }, () => new Replica(service, env));
  replicas.push(...started);
  await Promise.all(started.map((r) => r.ready));
  return started;
}

function caller(options: { durable?: boolean; timeoutMs?: number } = {}): DaebusCaller {
  const made = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 30_000, ...options });
  callers.push(made);
  return made;
}

/** How often each request ran, by id (the replicas count it in Redis). */
async function runs(): Promise<Map<string, number>> {
  const hash = await redis.hgetall(`test:{${service}}:runs`);
  return new Map(Object.entries(hash).map(([id, n]) => [id, Number(n)]));
}

const python = (...args: string[]): Promise<{ stdout: string }> =>
  promisify(execFile)('python3', [join(__dirname, '..', 'support', 'python', 'daebus_peer.py'), ...args], { timeout: 60_000 });

describe('a replicated service', () => {
  it('handles each of 1 000 requests from our caller, and those of a Python caller, once, with one final reply each', async () => {
    await start(3);
    const ours = caller();
    await waitFor(async () => (await ours.replicas()).length === 3, 'three live replicas');
    const replies = await Promise.all(Array.from({ length: 1_000 }, (_, n) => ours.sendRequest('work', { n })));
    expect(replies).toHaveLength(1_000);
    const pids = new Set(replies.map((r) => (r as { pid: number }).pid));
    expect(pids.size).toBeGreaterThan(1); // the work was shared
    // a Python Daebus caller publishes on the service channel: one replica takes it in
    const { stdout } = await python('caller_many', TEST_REDIS_URL, service, 'work', '100');
    const finals = (JSON.parse(stdout) as { finals: { status: string }[] }).finals;
    expect(finals).toHaveLength(100);
    expect(finals.every((f) => f.status === 'success')).toBe(true);
    const counted = await runs();
    expect(counted.size).toBe(1_100);
    expect([...counted.values()].every((n) => n === 1)).toBe(true);
    // every request confirmed: out of the stream and of the group's pending list
    const stream = `daebus:{${service}}:requests`;
    await waitFor(async () => (await redis.xlen(stream)) === 0, 'the stream to empty');
    await waitFor(async () => ((await redis.xpending(stream, 'daebus')) as [number])[0] === 0, 'nothing left pending');
  });

  it('handles fire-and-forget messages once, from our caller and over pub/sub', async () => {
    await start(3);
    const ours = caller();
    const pubsub = caller({ durable: false });
    await waitFor(async () => (await ours.replicas()).length === 3, 'three live replicas');
    for (let id = 0; id < 50; id++) await ours.sendToService({ id: `a${id}` }, 'note');
    for (let id = 0; id < 50; id++) await pubsub.sendToService({ id: `b${id}` }, 'note');
    const notes = `test:{${service}}:notes`;
    await waitFor(async () => (await redis.hlen(notes)) === 100, 'every message handled');
    // a later request, answered after every message above was taken in, proves none is still to come
    await ours.sendRequest('work', { n: 0 });
    expect(Object.values(await redis.hgetall(notes)).every((n) => n === '1')).toBe(true);
  });

  it('costs callers nothing when every replica restarts in turn under load: no error, no duplicate', async () => {
    await start(3);
    const load = caller();
    await waitFor(async () => (await load.replicas()).length === 3, 'three live replicas');
    let running = true;
    const errors: unknown[] = [];
    let answered = 0;
    const workers = Array.from({ length: 8 }, async (_, w) => {
      for (let n = 0; running; n++) {
        await load.sendRequest('work', { n: w * 100_000 + n, ms: 5 }).then(
          () => (answered += 1),
          (err: unknown) => errors.push(err),
        );
      }
    });
    for (const old of [...replicas]) {
      const [fresh] = await start(1);
      expect(fresh).toBeDefined();
      expect(await old.stop()).toBe(0);
      const before = answered;
      // 40 each: the 100 answered below then hold however fast the restarts go
      await waitFor(() => answered > before + 40, 'requests answered after the restart');
    }
    running = false;
    await Promise.all(workers);
    // no confirmation lost as a replica stopped: one lost stays pending until its visibility timeout (30 s)
    const stream = `daebus:{${service}}:requests`;
    await waitFor(async () => ((await redis.xpending(stream, 'daebus')) as [number])[0] === 0, 'nothing left pending');
    expect(errors).toEqual([]);
    expect(answered).toBeGreaterThan(100);
    const counted = await runs();
    expect([...counted.values()].filter((n) => n > 1)).toEqual([]);
  });

  it('ends a stopped replica whose handler ran past drainTimeoutMs within the exit grace, with exit code 0', async () => {
    const [replica] = await start(1, { DRAIN_MS: '300' });
    // a handler that would hold the process for ten minutes
    void caller({ timeoutMs: 600_000 })
      .sendRequest('work', { id: 'long', ms: 600_000 })
      .catch(() => undefined);
    await waitFor(async () => (await runs()).size === 1, 'the handler to run');
    // before, the exit code was 0 and the process lived on until the handler ended
    await expect((replica as Replica).stop()).resolves.toBe(0);
    expect((replica as Replica).lines).toContainEqual({ exit: 0 });
  });

  it('answers every request and processes every queue item when a replica is killed while holding them', async () => {
    const [victim] = await start(2);
    const ours = caller();
    await waitFor(async () => (await ours.replicas()).length === 2, 'two live replicas');
    // slow requests and slow items, so that the victim holds some of each when it dies
    await ours.sendRequest('put_items', { count: 40, ms: 100 });
    const pending = Array.from({ length: 40 }, (_, n) => ours.sendRequest('work', { n, ms: 1_000 }));
    await waitFor(async () => (await runs()).size >= 20, 'requests running on both replicas');
    victim?.child.kill('SIGKILL');
    const replies = (await Promise.all(pending)) as { n: number; attempt: number }[];
    expect(replies.map((r) => r.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    // the victim's requests ran again elsewhere (at-least-once), and said so
    expect(replies.some((r) => r.attempt > 1)).toBe(true);
    await waitFor(async () => (await redis.hlen(`daebus:{${service}}:map:processed`)) === 40, 'every item processed');
    const processed = Object.values(await redis.hgetall(`daebus:{${service}}:map:processed`)).map(Number);
    expect(processed.every((n) => n >= 1)).toBe(true);
    console.log(
      `SIGKILL: ${replies.filter((r) => r.attempt > 1).length} of 40 requests ran again; ${processed.filter((n) => n > 1).length} of 40 items processed twice`,
    );
  });

  it('gives up on a request that kills every replica that takes it: dead-lettered after maxAttempts, the caller told', async () => {
    await start(3, { MAX_ATTEMPTS: '2' });
    const ours = caller();
    await waitFor(async () => (await ours.replicas()).length === 3, 'three live replicas');
    const outcome = await ours.sendRequest('poison', { n: 1 }).catch((err: unknown) => err);
    expect(outcome).toMatchObject({ code: 'REMOTE_ERROR', details: { remoteCode: 'DEAD_LETTER' } });
    // two attempts took two replicas down; the third replica gave up on it and lives on
    expect(replicas.filter((r) => r.child.exitCode !== null)).toHaveLength(2);
    await waitFor(async () => (await ours.replicas()).length === 1, 'one live replica');
    const dead = await ours.deadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ attempts: 2, message: expect.stringContaining('"action":"poison"') });
    // the survivor says so once, with the deliveries that ran (before: also 'Took over ... (delivery 3)')
    const survivor = replicas.find((r) => r.child.exitCode === null);
    const said = survivor?.lines.map((line) => String(line.message)).filter((message) => message.includes(dead[0]?.requestEntry ?? '?'));
    expect(said).toEqual([expect.stringMatching(/goes to the dead-letter stream: .*\(2 deliveries; maxAttempts 2\)/)]);
    // nor as a rejected request (before: 'Rejected a request for "poison": The request was given up on: ...')
    expect(survivor?.lines.filter((line) => String(line.message).startsWith('Rejected a request'))).toEqual([]);
  });

  it('answers bad entries on the durable stream with error replies and never blocks the group', async () => {
    await start(2);
    const ours = caller();
    await waitFor(async () => (await ours.replicas()).length === 2, 'two live replicas');
    const stream = `daebus:{${service}}:requests`;
    const replyTo = `caller:${randomUUID()}`;
    const sub = new Redis(TEST_REDIS_URL);
    const replies: Record<string, unknown>[] = [];
    sub.on('message', (_c, text: string) => replies.push(JSON.parse(text) as Record<string, unknown>));
    await sub.subscribe(replyTo);
    try {
      await redis.xadd(stream, '*', 'not-m', 'x'); // not a request at all
      await redis.xadd(stream, '*', 'm', `{"action": "work", "reply_to": "${replyTo}", "request_id": "r1"`); // broken JSON
      await redis.xadd(stream, '*', 'm', JSON.stringify({ action: 'nope', payload: {}, reply_to: replyTo, request_id: 'r2' }));
      await redis.xadd(stream, '*', 'm', JSON.stringify({ action: 'work', payload: '{oops', reply_to: replyTo, request_id: 'r3' }));
      await waitFor(() => replies.length === 3, 'three error replies');
      expect(replies.map((r) => [r.request_id, (r.payload as { code: string }).code]).sort()).toEqual([
        ['r1', 'BAD_REQUEST'],
        ['r2', 'UNKNOWN_ACTION'],
        ['r3', 'BAD_REQUEST'],
      ]);
      await expect(ours.sendRequest('work', { n: 7 })).resolves.toMatchObject({ n: 7 });
      await waitFor(async () => (await redis.xlen(stream)) === 0, 'the stream to empty');
    } finally {
      await sub.quit();
    }
  });
});
