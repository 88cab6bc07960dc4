// A replica that stalls while holding the service channel's lease (a long synchronous handler, a
// GC pause; here SIGSTOP) must not run, when it wakes, the admin actions the new holder already
// ran. Before, the lease holder answered a daebus.* request from the channel with no check of its
// lease, so both replicas ran it. (A read-only one, a ping, it still answers: twice is harmless.)
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';
import { cleanUpReplicas, startFixtureReplica, stopLeaseHolder } from '../support/stalled-holder';

jest.setTimeout(60_000);

const service = `stalled_holder_${randomUUID()}`;
const children: ChildProcess[] = [];
const redis = new Redis(TEST_REDIS_URL);
const listener = new Redis(TEST_REDIS_URL);
const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL });

afterAll(async () => {
  await cleanUpReplicas(service, children, redis, caller);
  listener.disconnect();
});

const startReplica = (): Promise<ChildProcess> => startFixtureReplica(service, children, { ADMIN: '1' });

it('a stalled lease holder that wakes does not run an admin action the new holder ran', async () => {
  await Promise.all([startReplica(), startReplica()]);
  const { stalled, holderId } = await stopLeaseHolder(service, children, redis, caller);
  const ingestKey = `daebus:{${service}}:ingest`;
  await waitFor(async () => ![null, holderId].includes(await redis.get(ingestKey)), 'the other replica taking the lease');

  const replyTo = `python_caller_${randomUUID()}`;
  const replies: string[] = [];
  listener.on('message', (_channel: string, text: string) => replies.push(text));
  await listener.subscribe(replyTo);
  // the lease key names the new holder as soon as its script ran; it answers the channel once its
  // own process has read that reply: pings until one is answered (the stalled one cannot)
  const pingTo = `python_pinger_${randomUUID()}`;
  const pongs: string[] = [];
  const pinger = new Redis(TEST_REDIS_URL);
  pinger.on('message', (_channel: string, text: string) => pongs.push(text));
  await pinger.subscribe(pingTo);
  try {
    await waitFor(async () => {
      if (pongs.length > 0) return true;
      await redis.publish(service, JSON.stringify({ action: 'daebus.ping', payload: {}, reply_to: pingTo, request_id: randomUUID() }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      return pongs.length > 0;
    }, 'the new holder answering the channel');
  } finally {
    pinger.disconnect();
  }
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
