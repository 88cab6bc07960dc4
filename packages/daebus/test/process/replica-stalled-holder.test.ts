// A replica that stalls while holding the service channel's lease (a long synchronous handler, a
// GC pause; here SIGSTOP) must not run, when it wakes, the admin actions the new holder already
// ran. Before, the lease holder answered a daebus.* request from the channel with no check of its
// lease, so both replicas ran it. (A read-only one, a ping, it still answers: twice is harmless.)
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { fixture, onJsonLines, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(60_000);

const service = `stalled_holder_${randomUUID()}`;
const children: ChildProcess[] = [];
const redis = new Redis(TEST_REDIS_URL);
const listener = new Redis(TEST_REDIS_URL);
const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL });

afterAll(async () => {
  for (const child of children) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await caller.close();
  const keys = await redis.keys(`*{${service}}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  listener.disconnect();
});

function startReplica(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture('replica.cjs'), service, TEST_REDIS_URL], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, ADMIN: '1' },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    onJsonLines(child.stdout, (line) => line.ready === true && resolve(child));
    child.once('exit', (code) => reject(new Error(`the replica exited (${String(code)}) before it was ready`)));
  });
}

it('a stalled lease holder that wakes does not run an admin action the new holder ran', async () => {
  await Promise.all([startReplica(), startReplica()]);
  const ingestKey = `daebus:{${service}}:ingest`;
  await waitFor(async () => (await redis.get(ingestKey)) !== null, 'a replica holding the lease');
  const holderId = (await redis.get(ingestKey)) as string;
  const holder = (await caller.replicas()).find((replica) => replica.id === holderId);
  const stalled = children.find((child) => child.pid === holder?.pid) as ChildProcess;
  stalled.kill('SIGSTOP');
  await waitFor(async () => ![null, holderId].includes(await redis.get(ingestKey)), 'the other replica taking the lease');

  const replyTo = `python_caller_${randomUUID()}`;
  const replies: string[] = [];
  listener.on('message', (_channel: string, text: string) => replies.push(text));
  await listener.subscribe(replyTo);
  // as a Python caller publishes it: both replicas are subscribed to the channel now
  const requestId = randomUUID();
  const request = { action: 'daebus.thread.start', payload: { name: 'consumer' }, reply_to: replyTo, request_id: requestId };
  await redis.publish(service, JSON.stringify(request));
  await waitFor(() => replies.length >= 1, 'the new holder answering');
  stalled.kill('SIGCONT');
  // the woken replica renews (and loses) its lease within a heartbeat or two
  await waitFor(
    async () => (await caller.replicas()).length === 2 && (await caller.replicas()).every((r) => Date.now() - r.lastSeen < 1_000),
    'the woken replica alive again',
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(replies.filter((reply) => reply.includes(requestId))).toHaveLength(1);
});
