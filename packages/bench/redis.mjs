// Redis benchmarks (issue 4): an action round trip through DaebusCaller over Redis against a raw
// ioredis publish/subscribe request/response between the same two processes: the service (and
// the raw responder) in a child process, the caller (and the raw requester) in this one. Raw
// requests and replies carry the same JSON as the library's (PROTOCOL.md), so the bytes on the
// wire are the same and only the code around them differs.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { closedLoop, interleave, pairedRatio, sequential } from './lib/drive.mjs';
import { result } from './lib/result.mjs';
import { fmt, median, percentile } from './lib/stats.mjs';
import { fixture, within } from './lib/workers.mjs';

export const suite = 'redis';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const PAYLOAD = { n: 1 };

/**
 * CPU time (ms) the redis-server process has used so far, from /proc (Linux, server on this
 * machine); null when it cannot be read. The runner counts redis-server as "other load".
 */
async function redisServerCpuMs(client) {
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
  const config = { url: REDIS_URL, service: `bench-redis-${id}`, rawPlain: `bench-raw-plain-${id}`, rawPiped: `bench-raw-piped-${id}` };
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

/** Child, caller and raw requesters; `calls` are the three ways to make one request. */
async function setUp() {
  const child = await startChild();
  const caller = new DaebusCaller(child.config.service, { redis: REDIS_URL, timeoutMs: 30_000 });
  const piped = await rawRequester(child.config.rawPiped, true);
  const plain = await rawRequester(child.config.rawPlain, false);
  const server0 = await redisServerCpuMs(plain.client);
  const t0 = performance.now();
  return {
    child,
    /** Cores redis-server used since set-up (null if unknown). */
    async serverCores() {
      const server1 = await redisServerCpuMs(plain.client);
      return server0 === null || server1 === null ? null : (server1 - server0) / (performance.now() - t0);
    },
    calls: {
      lib: () => caller.sendRequest('echo', PAYLOAD),
      rawPiped: () => piped.request('echo', PAYLOAD),
      rawPlain: () => plain.request('echo', PAYLOAD),
    },
    async close() {
      await Promise.allSettled([caller.close(), piped.close(), plain.close()]);
      await child.stop();
    },
  };
}

const SETUP_TEXT =
  'library: DaebusCaller (publisher auto-pipelined) -> service in the child (publisher auto-pipelined); ' +
  'raw: ioredis subscriber + publisher on each side, same JSON';

// ---------------------------------------------------------------------------------------------
// 1. Sequential latency.

async function latency() {
  const rounds = 5;
  const n = 800;
  const env = await setUp();
  let out;
  let serverCores = null;
  try {
    const variant = (call) => async () => {
      const ms = await sequential(call, n);
      return { median: median(ms) * 1000, p95: percentile(ms, 95) * 1000 };
    };
    out = await interleave(
      { lib: variant(env.calls.lib), rawPiped: variant(env.calls.rawPiped), rawPlain: variant(env.calls.rawPlain) },
      rounds,
    );
    serverCores = await env.serverCores();
  } finally {
    await env.close();
  }
  const med = (name, field = 'median') => out[name].map((x) => x[field]);
  const lib = med('lib');
  const piped = med('rawPiped');
  const plain = med('rawPlain');
  const best = piped.map((x, r) => Math.min(x, plain[r]));
  return result({
    library: median(lib),
    floor: median(piped),
    unit: 'µs per request',
    ratio: pairedRatio(lib, piped),
    ratioLabel: 'median of per-round lib/raw, raw with auto-pipelining on both publishers (as the library)',
    libraryLabel: `await caller.sendRequest('echo', {n}) over Redis, ${n} in a row, median per round`,
    floorLabel: 'raw ioredis request/response between the same two processes, auto-pipelining on both publishers',
    goal: { on: 'ratio', op: '<=', value: 1.2, text: '<= 1.20x of the raw round trip' },
    details: [
      `raw without auto-pipelining: ${fmt(median(plain))} µs; lib/raw(off) ${pairedRatio(lib, plain).toFixed(2)}x; ` +
        `lib/best raw per round ${pairedRatio(lib, best).toFixed(2)}x`,
      `p95 (median over rounds): lib ${fmt(median(med('lib', 'p95')))} µs, raw on ${fmt(median(med('rawPiped', 'p95')))} µs, ` +
        `raw off ${fmt(median(med('rawPlain', 'p95')))} µs`,
      `per-round medians (µs): lib ${lib.map((x) => fmt(x)).join(', ')}; raw on ${piped.map((x) => fmt(x)).join(', ')}; ` +
        `raw off ${plain.map((x) => fmt(x)).join(', ')}`,
      SETUP_TEXT,
      serverText(serverCores),
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// 2-4. Throughput with 1, 16 and 256 requests in flight.

function throughput(concurrency, total) {
  return async () => {
    const rounds = 5;
    const env = await setUp();
    let out;
    let cpu;
    let serverCores = null;
    try {
      // requests/s, and the CPU time each process spent per request meanwhile
      const variant = (call) => async () => {
        const service0 = await env.child.cpu();
        const own0 = process.cpuUsage();
        const perSecond = await closedLoop(call, total, concurrency);
        const own = process.cpuUsage(own0);
        const service = (await env.child.cpu()) - service0;
        return { perSecond, callerCpuUs: (own.user + own.system) / total, serviceCpuUs: service / total };
      };
      const runs = await interleave(
        { lib: variant(env.calls.lib), rawPiped: variant(env.calls.rawPiped), rawPlain: variant(env.calls.rawPlain) },
        rounds,
      );
      out = Object.fromEntries(Object.entries(runs).map(([name, xs]) => [name, xs.map((x) => x.perSecond)]));
      cpu = Object.fromEntries(
        Object.entries(runs).map(([name, xs]) => [
          name,
          { caller: median(xs.map((x) => x.callerCpuUs)), service: median(xs.map((x) => x.serviceCpuUs)) },
        ]),
      );
      serverCores = await env.serverCores();
    } finally {
      await env.close();
    }
    const { lib, rawPiped: piped, rawPlain: plain } = out;
    const cpuText = (name) => `caller ${fmt(cpu[name].caller)} µs + service ${fmt(cpu[name].service)} µs`;
    const best = piped.map((x, r) => Math.max(x, plain[r]));
    return result({
      library: median(lib),
      floor: median(piped),
      unit: 'requests/s',
      ratio: pairedRatio(lib, piped),
      ratioLabel: 'median of per-round lib/raw, raw with auto-pipelining on both publishers (as the library)',
      libraryLabel: `${total} caller.sendRequest('echo') with ${concurrency} in flight`,
      floorLabel: `raw ioredis request/response, ${concurrency} in flight, auto-pipelining on both publishers`,
      goal: { on: 'ratio', op: '>=', value: 0.8, text: '>= 0.80x of the raw throughput' },
      details: [
        `raw without auto-pipelining: ${fmt(median(plain))}/s; lib/raw(off) ${pairedRatio(lib, plain).toFixed(2)}x; ` +
          `lib/best raw per round ${pairedRatio(lib, best).toFixed(2)}x`,
        `per round (/s): lib ${lib.map((x) => fmt(x)).join(', ')}; raw on ${piped.map((x) => fmt(x)).join(', ')}; ` +
          `raw off ${plain.map((x) => fmt(x)).join(', ')}`,
        `CPU per request (process.cpuUsage): lib ${cpuText('lib')}; raw on ${cpuText('rawPiped')}; raw off ${cpuText('rawPlain')}`,
        SETUP_TEXT,
        serverText(serverCores),
      ],
    });
  };
}

/** redis-server's own CPU, which the runner counts in "other load". */
function serverText(cores) {
  return cores === null
    ? 'redis-server CPU unknown (not readable from /proc); "other load" includes it'
    : `redis-server used ${cores.toFixed(2)} cores meanwhile (included in "other load" below)`;
}

export const benchmarks = [
  { name: 'latency', title: 'action round trip over Redis, sequential, vs raw ioredis pub/sub', run: latency },
  // names that do not contain each other, so that a filter picks one
  { name: 'throughput-1-in-flight', title: 'requests/s over Redis with 1 in flight vs raw ioredis', run: throughput(1, 1000) },
  { name: 'throughput-16-in-flight', title: 'requests/s over Redis with 16 in flight vs raw ioredis', run: throughput(16, 6000) },
  { name: 'throughput-256-in-flight', title: 'requests/s over Redis with 256 in flight vs raw ioredis', run: throughput(256, 20_000) },
];
