// The sides of the Redis benchmarks (redis.mjs, curves.mjs): the service process, the daebus
// caller, the raw ioredis requesters and the Moleculer caller, all set up for one run. The
// service (daebus), the raw responder and the Moleculer service run in one child process
// (fixtures/redis-child.mjs); the callers run in the bench process.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { corkedPublisher, parsedAnswer, parsedRequestTemplate, repliedId, requestTemplate } from './bare-redis.mjs';
import { moleculerCaller } from './moleculer.mjs';
import { fixture, within } from './workers.mjs';

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
export const PAYLOAD = { n: 1 };

/**
 * CPU time (ms) the redis-server process has used so far, from /proc (Linux, server on this
 * machine); null when it cannot be read. The runner counts redis-server as "other load".
 */
export async function redisServerCpuMs(client) {
  try {
    const info = await client.info('server');
    const pid = /process_id:(\d+)/.exec(info)?.[1];
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  } catch {
    return null;
  }
}

/** The child process: the daebus service and the raw responder. */
async function startChild() {
  const id = randomUUID();
  const config = {
    url: REDIS_URL,
    service: `bench-redis-${id}`,
    rawPlain: `bench-raw-plain-${id}`,
    rawPiped: `bench-raw-piped-${id}`,
    rawBare: `bench-raw-bare-${id}`,
    rawParsed: `bench-raw-parsed-${id}`,
    moleculer: `bench-mol-${id}`,
  };
  const child = fork(fileURLToPath(fixture('redis-child.mjs')), [JSON.stringify(config)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = new Promise((resolve, reject) => {
    child.once('message', (message) => (message?.ready ? resolve() : reject(new Error(`redis child: ${message?.error ?? 'no ready'}`))));
    child.once('exit', (code) => reject(new Error(`redis child exited with ${code} before it was ready: ${stderr.trim()}`)));
  });
  await within(ready, 15_000, 'redis child start');
  return {
    config,
    /** The child's CPU time so far, in µs. */
    cpu() {
      return within(
        new Promise((resolve) => {
          child.once('message', (message) => resolve(message.cpuUs));
          child.send('cpu');
        }),
        5_000,
        'redis child cpu',
      );
    },
    async stop() {
      child.send('stop');
      await within(exited, 10_000, 'redis child stop').catch(() => child.kill('SIGKILL'));
    },
  };
}

/**
 * The raw requester: one ioredis connection subscribed to a reply channel, and one publishing
 * (with or without auto-pipelining); replies are matched by request_id, as DaebusCaller does.
 */
async function rawRequester(channel, autoPipelining) {
  const replyTo = `bench-raw-reply-${randomUUID()}`;
  const sub = new Redis(REDIS_URL, { lazyConnect: true });
  const pub = new Redis(REDIS_URL, { lazyConnect: true, enableAutoPipelining: autoPipelining });
  await Promise.all([sub.connect(), pub.connect()]);
  const pending = new Map();
  sub.on('message', (_channel, raw) => {
    const reply = JSON.parse(raw);
    const resolve = pending.get(reply.request_id);
    if (!resolve) return;
    pending.delete(reply.request_id);
    resolve(reply.payload);
  });
  await sub.subscribe(replyTo);
  return {
    request(action, payload) {
      const requestId = randomUUID();
      const message = JSON.stringify({ action, payload, reply_to: replyTo, request_id: requestId, service: channel });
      return new Promise((resolve, reject) => {
        pending.set(requestId, resolve);
        pub.publish(channel, message).then((receivers) => {
          if (receivers === 0) reject(new Error(`nobody listens on ${channel}`));
        }, reject);
      });
    },
    /** A connection for other commands (INFO). */
    client: pub,
    async close() {
      await Promise.allSettled([sub.quit(), pub.quit()]);
    },
  };
}

/** More slots than any number of requests the benches keep in flight. */
const RING = 4096;

/**
 * A floor's requester (lib/bare-redis.mjs): requests from `template`, publishes held back per
 * turn as the library's are, replies matched to a ring of resolvers by the number `answer` reads
 * from them ([id, value]); with `checkId`, only a reply whose whole id matches settles its slot.
 */
async function ringRequester(channel, { replyPrefix, template, answer, checkId }) {
  const replyTo = `${replyPrefix}:${randomUUID()}`; // as long as the library's reply channel
  const sub = new Redis(REDIS_URL, { lazyConnect: true });
  const pub = new Redis(REDIS_URL, { lazyConnect: true });
  await Promise.all([sub.connect(), pub.connect()]);
  const publish = corkedPublisher(pub);
  const request = template({ service: channel, replyTo });
  const waiting = new Array(RING).fill(undefined);
  const ids = new Array(RING).fill(-1);
  let next = 0;
  sub.on('message', (_channel, raw) => {
    const [id, value] = answer(raw);
    const slot = id % RING;
    if (checkId && ids[slot] !== id) return;
    const resolve = waiting[slot];
    waiting[slot] = undefined;
    resolve?.(value);
  });
  await sub.subscribe(replyTo);
  return {
    request(payload) {
      const id = next++;
      return new Promise((resolve) => {
        waiting[id % RING] = resolve;
        ids[id % RING] = id;
        publish(channel, request(id, payload));
      });
    },
    async close() {
      await Promise.allSettled([sub.quit(), pub.quit()]);
    },
  };
}

/** The bare floor's requester: the library's bytes from a template, a reply's id read at a fixed place. */
const bareRequester = (channel) =>
  ringRequester(channel, { replyPrefix: 'bare-r', template: requestTemplate, answer: (raw) => [repliedId(raw), raw], checkId: false });

/** The parsed floor's requester: the payload written and each reply parsed, its whole id checked. */
const parsedRequester = (channel) =>
  ringRequester(channel, { replyPrefix: 'bare-p', template: parsedRequestTemplate, answer: parsedAnswer, checkId: true });

/** Child, callers and raw requesters; `calls` are the six ways to make one request. */
export async function setUp() {
  const child = await startChild();
  const caller = new DaebusCaller(child.config.service, { redis: REDIS_URL, timeoutMs: 30_000 });
  const piped = await rawRequester(child.config.rawPiped, true);
  const plain = await rawRequester(child.config.rawPlain, false);
  const bare = await bareRequester(child.config.rawBare);
  const parsed = await parsedRequester(child.config.rawParsed);
  let mol;
  try {
    mol = await moleculerCaller({ url: REDIS_URL, namespace: child.config.moleculer });
  } catch (err) {
    await Promise.allSettled([caller.close(), piped.close(), plain.close(), bare.close(), parsed.close()]);
    await child.stop();
    throw err;
  }
  const server0 = await redisServerCpuMs(plain.client);
  const t0 = performance.now();
  return {
    child,
    /** redis-server's CPU time so far in ms (null if unknown). */
    serverCpuMs: () => redisServerCpuMs(plain.client),
    /** Cores redis-server used since set-up (null if unknown). */
    async serverCores() {
      const server1 = await redisServerCpuMs(plain.client);
      return server0 === null || server1 === null ? null : (server1 - server0) / (performance.now() - t0);
    },
    calls: {
      lib: () => caller.sendRequest('echo', PAYLOAD),
      rawPiped: () => piped.request('echo', PAYLOAD),
      rawPlain: () => plain.request('echo', PAYLOAD),
      bare: () => bare.request(PAYLOAD),
      parsed: () => parsed.request(PAYLOAD),
      mol: () => mol.call(PAYLOAD),
    },
    async close() {
      await Promise.allSettled([caller.close(), piped.close(), plain.close(), bare.close(), parsed.close(), mol.stop()]);
      await child.stop();
    },
  };
}

export const SETUP_TEXT =
  'library: DaebusCaller (publisher auto-pipelined) -> service in the child (publisher auto-pipelined); ' +
  'raw: ioredis subscriber + publisher on each side, same JSON; ' +
  "Moleculer: broker.call('echo-svc.echo') -> service broker in the same child, Redis transporter, JSON serializer, own namespace";
