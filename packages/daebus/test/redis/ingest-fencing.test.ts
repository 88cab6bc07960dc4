// The replica holding the ingest lease adds pub/sub requests to the stream only while the lease is
// still its own, checked by Redis in the same step as the add: a holder that stalled while another
// replica took over adds nothing more, so a request received by both runs once.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { IngestLease } from '../../src/main/replicas/ingest-lease';
import { serviceKeys, type ServiceKeys } from '../../src/main/replicas/keys';
import { WriteRefusals } from '../../src/main/transport/write-refusals';
import { captureLogger, fixture, onJsonLines, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(60_000);

let service: string;
let keys: ServiceKeys;
let redis: Redis;

beforeEach(() => {
  service = `fenced_${randomUUID()}`;
  keys = serviceKeys(service);
  redis = new Redis(TEST_REDIS_URL);
});

afterEach(async () => {
  const left = await redis.keys(`*{${service}}*`);
  if (left.length > 0) await redis.del(...left);
  await redis.quit();
});

/** The messages in the request stream, with their fields. */
async function streamed(): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(keys.requests, '-', '+');
  return entries.map(([, fields]) => Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]]))));
}

describe('the fenced add to the request stream', () => {
  const lease = (id: string): IngestLease =>
    new IngestLease(redis, keys, id, 60_000, new WriteRefusals(captureLogger().logger, 'redis://test'));

  it('refuses a replica whose lease another replica took while it stalled', async () => {
    const [a, b] = [lease('a'), lease('b')];
    const epochA = await a.acquire();
    expect(epochA).toBeDefined();
    await redis.del(keys.ingest); // a's lease expired: a stalled past it
    const epochB = await b.acquire();
    expect(epochB).toBeDefined();
    expect(await a.add(epochA as string, 'late')).toBe(0);
    expect(await a.renew(epochA as string)).toBe('taken');
    expect(await b.add(epochB as string, 'taken')).toBe(1);
    expect(await streamed()).toEqual([{ m: 'taken' }]);
    expect(await redis.get(keys.ingest)).toBe('b');
  });

  it('never gives an epoch from before Redis restarted empty again: a stalled holder of it stays refused', async () => {
    const [a, b] = [lease('a'), lease('b')];
    const before = (await a.acquire()) as string;
    await redis.del(keys.ingest, keys.ingestEpoch); // Redis restarted without its data
    expect(await a.renew(before)).toBe('lost');
    expect(await a.add(before, 'lost')).toBe(-1);
    const after = (await b.acquire()) as string;
    expect(after).not.toBe(before);
    await redis.del(keys.ingest); // b stalled past its lease: a's old epoch must not pass for current
    expect(await a.add(before, 'late')).toBe(0);
    expect(await b.add(after, 'kept')).toBe(1);
    expect(await streamed()).toEqual([{ m: 'kept' }]);
  });

  // Before, a holder that reconnected after another replica had taken the lease again, in a Redis
  // restarted empty, blamed a stall of its own ("taken") that never happened.
  it('tells a lease taken after Redis lost its data from one taken from a stalled holder', async () => {
    const [a, b] = [lease('a'), lease('b')];
    const before = (await a.acquire()) as string;
    // Redis restarted empty some seconds later, and b took the lease first: the counter starts again from the clock
    await redis.del(keys.ingest, keys.ingestEpoch);
    await redis.set(keys.ingestEpoch, String(BigInt(before) + 5_000_000n));
    expect(await b.acquire()).toBeDefined();
    expect(await a.renew(before)).toBe('lost');
    expect(await a.add(before, 'lost')).toBe(-1);
    expect(await streamed()).toEqual([]);
  });

  it('adds, and takes the lease back, when it lapsed and no replica took it since', async () => {
    const a = lease('a');
    const epoch = (await a.acquire()) as string;
    await redis.del(keys.ingest);
    expect(await a.add(epoch, 'kept', '1500')).toBe(1);
    expect(await streamed()).toEqual([{ m: 'kept', t: '1500' }]);
    expect(await redis.get(keys.ingest)).toBe('a');
    expect(await lease('b').acquire()).toBeUndefined();
  });

  it('refuses when another replica held the lease in between, though it lapsed again (that one may have added the message)', async () => {
    const [a, b] = [lease('a'), lease('b')];
    const epochA = (await a.acquire()) as string;
    await redis.del(keys.ingest);
    expect(await b.acquire()).toBeDefined();
    await redis.del(keys.ingest); // b died
    expect(await a.add(epochA, 'late')).toBe(0);
    expect(await a.renew(epochA)).toBe('taken');
    expect(await streamed()).toEqual([]);
    expect(await redis.exists(keys.ingest)).toBe(0);
  });

  it('refuses a replica that released its lease, and a replica that never held one', async () => {
    const a = lease('a');
    const epoch = (await a.acquire()) as string;
    await a.release();
    expect(await a.add(epoch, 'after release')).toBe(0);
    expect(await lease('c').add('', 'never held')).toBe(0);
    expect(await streamed()).toEqual([]);
    expect(await redis.exists(keys.ingest)).toBe(0);
  });

  // Before, each replica kept its deferral's start in its own memory: a try held in an outage, a stall of its process,
  // or a second restart within a heartbeat (its start kept from the first) left the former holder no time at all.
  it('after Redis lost its data, leaves the lease to the former holder for as long as a lease lasts from the first deferral, on the server', async () => {
    const short = (id: string): IngestLease =>
      new IngestLease(redis, keys, id, 300, new WriteRefusals(captureLogger().logger, 'redis://t'));
    const [a, b, c] = [short('a'), short('b'), short('c')];
    await a.acquire();
    await redis.del(keys.ingest, keys.ingestEpoch); // Redis restarted without its data
    const first = performance.now();
    expect(await b.acquire(true)).toBe('deferred');
    expect(await c.acquire(true)).toBe('deferred'); // another replica's try, later: the same wait, not a new one
    let taken: string | 'deferred' | undefined;
    await waitFor(async () => (taken = await c.acquire(true)) !== 'deferred', 'the deferring replica to take the lease', 10_000);
    expect(performance.now() - first).toBeGreaterThanOrEqual(295); // a lower bound (the server counts whole ms), not a speed
    expect(taken).toBeDefined();
    expect(await redis.get(keys.ingest)).toBe('c');
    expect(await redis.exists(keys.ingestDeferred)).toBe(0);

    // lost again: the wait starts again from the first deferral after this loss; the former holder takes it at once
    await redis.del(keys.ingest, keys.ingestEpoch);
    expect(await b.acquire(true)).toBe('deferred');
    expect(await c.acquire()).toBeDefined();
    expect(await b.acquire(true)).toBeUndefined();
    expect(await redis.exists(keys.ingestDeferred)).toBe(0);
  });
});

/** Entries ever added to the request stream (XINFO STREAM's entries-added). */
async function entriesAdded(): Promise<number> {
  const info = (await redis.xinfo('STREAM', keys.requests)) as unknown[];
  return Number(info[info.indexOf('entries-added') + 1]);
}

class StallingReplica {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<unknown>;

  constructor() {
    this.child = spawn(process.execPath, [fixture('stall-replica.cjs'), service, TEST_REDIS_URL], {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', resolve));
    onJsonLines(this.child.stdout, (line) => this.lines.push(line));
  }

  said(match: (line: Record<string, unknown>) => boolean): boolean {
    return this.lines.some(match);
  }
}

describe('a replica holding the ingest lease, when it stalls or Redis loses its data', () => {
  const replicas: StallingReplica[] = [];
  const flag = join(tmpdir(), `daebus-stall-${randomUUID()}`);

  /** Two replicas started, and the one holding the ingest lease. */
  async function twoReplicas(): Promise<{ holder: StallingReplica; holderId: string }> {
    replicas.push(new StallingReplica(), new StallingReplica());
    await waitFor(() => replicas.every((r) => r.said((l) => l.ready === true)), 'two replicas');
    await waitFor(async () => (await redis.get(keys.ingest)) !== null, 'a lease holder');
    const holderId = (await redis.get(keys.ingest)) as string;
    const holderPid = Number(await redis.hget(keys.replica(holderId), 'pid'));
    const holder = replicas.find((r) => r.child.pid === holderPid) as StallingReplica;
    expect(holder).toBeDefined();
    return { holder, holderId };
  }

  afterEach(async () => {
    writeFileSync(flag, '');
    for (const replica of replicas) replica.child.kill('SIGKILL');
    await Promise.all(replicas.splice(0).map((r) => r.exited));
    if (existsSync(flag)) rmSync(flag);
  });

  it('adds nothing it received once another replica took the lease: each message runs once', async () => {
    const { holder, holderId } = await twoReplicas();

    holder.child.send({ block: flag });
    await waitFor(() => holder.said((l) => l.blocked === true), 'the holder to block');
    // the other replica takes the lease and subscribes; the stalled one still is subscribed
    await waitFor(async () => (await redis.get(keys.ingest)) !== holderId, 'another replica to take the lease');
    await waitFor(async () => ((await redis.pubsub('NUMSUB', service)) as [string, number])[1] === 2, 'both subscribed');
    const ids = Array.from({ length: 20 }, (_, n) => `n${n}`);
    for (const id of ids) await redis.publish(service, JSON.stringify({ id, action: 'note' }));
    // the new holder adds them all (some may be read by the stalled replica, and run once it goes on)
    await waitFor(async () => (await entriesAdded()) >= ids.length, 'the new holder to add every message');

    writeFileSync(flag, ''); // the stalled replica goes on with what its socket kept
    await waitFor(() => holder.said((l) => String(l.message).includes('Lost the lease')), 'the stalled replica to learn it lost the lease');
    // every cause it may have: a stall here, Redis not answering the renewals (CLIENT PAUSE), Redis losing its data
    expect(holder.said((l) => /this process stalled, or Redis did not answer its renewals in time/.test(String(l.message)))).toBe(true);
    // what it did not add is counted and said (before, only "left to the replica that holds it next", which may have none of them)
    await waitFor(
      () => holder.said((l) => /^Did not add 20 pub\/sub request\(s\) of ".*" received after the lease went/.test(String(l.message))),
      'the count',
    );
    await waitFor(async () => ((await redis.pubsub('NUMSUB', service)) as [string, number])[1] === 1, 'the stalled replica to unsubscribe');
    await waitFor(async () => (await redis.hlen(`test:{${service}}:runs`)) === ids.length, 'every message run');
    await waitFor(async () => (await redis.xlen(keys.requests)) === 0, 'the stream to empty');
    await waitFor(async () => ((await redis.xpending(keys.requests, 'daebus')) as [number])[0] === 0, 'nothing pending');
    const runs = await redis.hgetall(`test:{${service}}:runs`);
    expect(Object.keys(runs).sort()).toEqual([...ids].sort());
    expect(Object.values(runs).filter((n) => n !== '1')).toEqual([]);
    expect(await entriesAdded()).toBe(ids.length);
  });

  it('says how many it did not add when it is stopped as it goes on, before its process ends', async () => {
    const { holder, holderId } = await twoReplicas();
    holder.child.send({ block: flag, stopAfter: true });
    await waitFor(() => holder.said((l) => l.blocked === true), 'the holder to block');
    await waitFor(async () => (await redis.get(keys.ingest)) !== holderId, 'another replica to take the lease');
    await waitFor(async () => ((await redis.pubsub('NUMSUB', service)) as [string, number])[1] === 2, 'both subscribed');
    for (let n = 0; n < 20; n++) await redis.publish(service, JSON.stringify({ id: `s${n}`, action: 'note' }));
    writeFileSync(flag, '');
    // run() resolved (the IPC channel of the test keeps the process itself up)
    await waitFor(() => holder.said((l) => l.exit !== undefined), 'the holder to stop', 10_000);
    // before: said when the stop began, before the adds its socket kept were refused: missing or short (8 of 14 runs)
    expect(holder.said((l) => /^Did not add 20 pub\/sub request\(s\)/.test(String(l.message)))).toBe(true);
    await waitFor(async () => (await redis.hlen(`test:{${service}}:runs`)) === 20, 'every message run by the new holder');
  });

  it('takes the lease again at once when Redis loses its data, still subscribed, and adds what came meanwhile: each message runs once', async () => {
    const { holder, holderId } = await twoReplicas();
    // the other replica has tried to take the lease since it started (its presence beat twice): it
    // has seen the lease held, so that a lease gone now is Redis's loss to it, not a new service's
    const otherId = (await redis.zrange(keys.replicas, 0, -1)).find((id) => id !== holderId) as string;
    const seen = async (): Promise<number> => Number(await redis.hget(keys.replica(otherId), 'lastSeen'));
    const first = await seen();
    await waitFor(async () => (await seen()) > first, 'a heartbeat of the other replica');
    const second = await seen();
    await waitFor(async () => (await seen()) > second, 'another heartbeat of the other replica');
    // Redis restarted without persistence, or was flushed: every key of the service is gone
    await redis.del(...(await redis.keys(`*{${service}}*`)));
    const ids = Array.from({ length: 20 }, (_, n) => `r${n}`);
    const receivers: number[] = [];
    for (const id of ids) receivers.push(await redis.publish(service, JSON.stringify({ id, action: 'note' })));
    // before: the holder's first add found the lease gone, and it unsubscribed: the messages after
    // reached no replica until another tick took the lease (a Python caller's requests were lost)
    expect(receivers.filter((n) => n === 0)).toEqual([]);
    await waitFor(async () => (await redis.hlen(`test:{${service}}:runs`)) === ids.length, 'every message run');
    const runs = await redis.hgetall(`test:{${service}}:runs`);
    expect(Object.keys(runs).sort()).toEqual([...ids].sort());
    expect(Object.values(runs).filter((n) => n !== '1')).toEqual([]);
    expect(holder.said((l) => /^Took the lease on the pub\/sub channel of ".*" again: Redis had lost it/.test(String(l.message)))).toBe(
      true,
    );
    expect(holder.said((l) => /^Did not add/.test(String(l.message)))).toBe(false);
  });
});
