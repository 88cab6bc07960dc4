// The raw floors of the replicas latency row: plain ioredis on both sides, the echo over pub/sub
// and through a stream read by a consumer group (fixtures/raw-stream-child.mjs answers both).
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { fixture, within } from './workers.mjs';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/**
 * The raw floors of the latency row, plain ioredis on both sides: the echo over pub/sub, and
 * through a stream read by a consumer group as a replicated service reads it
 * (fixtures/raw-stream-child.mjs).
 */
export async function startRawFloors() {
  const id = randomUUID();
  const config = { url: REDIS_URL, channel: `bench-raw-ps-${id}`, stream: `bench-raw-stream-${id}` };
  const child = fork(fileURLToPath(fixture('raw-stream-child.mjs')), [JSON.stringify(config)], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await within(new Promise((resolve) => child.once('message', resolve)), 15_000, 'raw stream child start');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const replyTo = `bench-raw-reply-${id}`;
  const sub = new Redis(REDIS_URL);
  const pub = new Redis(REDIS_URL);
  const waiting = new Map();
  sub.on('message', (_channel, raw) => {
    const reply = JSON.parse(raw);
    waiting.get(reply.request_id)?.(reply.payload);
    waiting.delete(reply.request_id);
  });
  await sub.subscribe(replyTo);
  let next = 0;
  const request = (viaStream, n) => {
    const requestId = String((next += 1));
    const message = JSON.stringify({ action: 'echo', payload: { n }, reply_to: replyTo, request_id: requestId });
    return new Promise((resolve, reject) => {
      waiting.set(requestId, resolve);
      (viaStream ? pub.xadd(config.stream, '*', 'm', message, 't', '30000') : pub.publish(config.channel, message)).catch(reject);
    });
  };
  return {
    pubsub: (n) => request(false, n),
    stream: (n) => request(true, n),
    async stop() {
      child.send('stop');
      await within(exited, 10_000, 'raw stream child stop').catch(() => child.kill('SIGKILL'));
      await Promise.allSettled([sub.quit(), pub.quit()]);
    },
  };
}
