// A flood of requests against one action (issue 8): 50 000 requests published at once to a
// service whose handler waits 200 ms, while a caller pings the service every 50 ms. What is
// measured: the service's peak memory, how long a ping waits during the flood (against a ping
// when the service is idle, the floor), and how the flood was answered (served, or turned away
// with BUSY). Without a limit on handlers running at once, every request of the flood is taken in.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { result } from './lib/result.mjs';
import { fmt, median, percentile } from './lib/stats.mjs';
import { fixture, within } from './lib/workers.mjs';

export const suite = 'flood';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const FLOOD = 50_000;
const MiB = 1024 * 1024;

async function startChild(service) {
  const child = fork(fileURLToPath(fixture('flood-child.mjs')), [JSON.stringify({ url: REDIS_URL, service })], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: process.env.FLOOD_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : [],
  });
  const ready = await within(new Promise((resolve) => child.once('message', resolve)), 15_000, 'flood child start');
  const ask = (what) => within(new Promise((resolve) => (child.once('message', resolve), child.send(what))), 10_000, `flood child ${what}`);
  return { child, startRss: ready.rss, peak: async () => (await ask('peak')).peakRss, stop: () => child.send('stop') };
}

async function pings(caller, count, everyMs) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await caller.sendRequest('ping', {}, { timeoutMs: 60_000 });
    times.push(performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return times;
}

async function flood50k() {
  const service = `bench-flood-${randomUUID()}`;
  const child = await startChild(service);
  const caller = new DaebusCaller(service, { redis: REDIS_URL });
  const sub = new Redis(REDIS_URL);
  const pub = new Redis(REDIS_URL);
  try {
    const idle = await pings(caller, 40, 20);
    const replyTo = `bench-flood-replies-${randomUUID()}`;
    const outcomes = { success: 0, BUSY: 0, other: 0 };
    let replies = 0;
    let allIn;
    const finished = new Promise((resolve) => (allIn = resolve));
    sub.on('message', (_channel, raw) => {
      const reply = JSON.parse(raw);
      if (reply.status === 'success') outcomes.success += 1;
      else if (reply.payload?.code === 'BUSY') outcomes.BUSY += 1;
      else outcomes.other += 1;
      if (++replies === FLOOD) allIn();
    });
    await sub.subscribe(replyTo);
    const t0 = performance.now();
    const pipeline = pub.pipeline();
    for (let i = 0; i < FLOOD; i++) {
      pipeline.publish(service, JSON.stringify({ action: 'work', payload: { i }, reply_to: replyTo, request_id: `f${i}`, service }));
    }
    const sent = pipeline.exec();
    const during = [];
    let flooding = true;
    const pinger = (async () => {
      while (flooding) {
        const t = performance.now();
        await caller.sendRequest('ping', {}, { timeoutMs: 120_000 });
        during.push(performance.now() - t);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await sent;
    await within(finished, 180_000, 'every reply of the flood');
    const floodMs = performance.now() - t0;
    flooding = false;
    await pinger;
    const peak = await child.peak();
    const floor = median(idle);
    const p99 = percentile(during, 99);
    return result({
      library: p99,
      floor,
      unit: 'ms (ping p99 during the flood)',
      libraryLabel: `${during.length} pings, one every 50 ms while ${FLOOD} requests were answered`,
      floorLabel: 'ping median with the service idle',
      goal: { none: true, text: 'none given (reported: peak memory and ping latency, before and after the concurrency limit)' },
      details: [
        `service peak RSS ${fmt(peak / MiB)} MiB (at start ${fmt(child.startRss / MiB)} MiB)`,
        `ping during the flood: median ${fmt(median(during))} ms, p99 ${fmt(p99)} ms, max ${fmt(Math.max(...during))} ms; idle median ${fmt(floor)} ms`,
        `flood answered in ${fmt(floodMs / 1000)} s: ${outcomes.success} served, ${outcomes.BUSY} turned away (BUSY), ${outcomes.other} other`,
      ],
    });
  } finally {
    await Promise.allSettled([caller.close(), sub.quit(), pub.quit()]);
    child.stop();
  }
}

export const benchmarks = [
  { name: 'flood-50k', title: `${FLOOD} requests at once against a 200 ms action, with pings`, run: flood50k, timeoutMs: 240_000 },
];
