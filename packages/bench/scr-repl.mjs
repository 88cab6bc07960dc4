import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { machineBusyMs, processCpuMs } from './lib/cpu-meter.mjs';
import { sequential } from './lib/drive.mjs';
import { median } from './lib/stats.mjs';
import { startRawFloors } from './lib/raw-stream-floors.mjs';
import { fixture, within } from './lib/workers.mjs';
const REDIS_URL = 'redis://127.0.0.1:6379';
async function startChild(service, replicated) {
  const child = fork(fileURLToPath(fixture('replica-child.mjs')), [JSON.stringify({ url: REDIS_URL, service, replicated })], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: process.env.CHILD_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/profr'] : [] });
  await within(new Promise((resolve) => child.once('message', resolve)), 15_000, 'start');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { pid: child.pid, stop: async () => { child.send('stop'); await exited; } };
}
const single = `bench-single-${randomUUID()}`, replicated = `bench-repl-${randomUUID()}`;
const children = [await startChild(single, false), await startChild(replicated, true)];
const raw = await startRawFloors();
const callers = { single: new DaebusCaller(single, { redis: REDIS_URL }), replicated: new DaebusCaller(replicated, { redis: REDIS_URL }) };
while ((await callers.replicated.replicas()).length < 1) await new Promise((r) => setTimeout(r, 50));
const sides = { single: (n) => callers.single.sendRequest('echo', { n }), replicated: (n) => callers.replicated.sendRequest('echo', { n }), rawPubsub: raw.pubsub, rawStream: raw.stream };
for (const side of Object.values(sides)) await sequential(side, 2000);
const out = {};
for (let r = 0; r < 6; r++) for (const [name, side] of Object.entries(sides)) {
  const m0 = machineBusyMs(); const o0 = process.cpuUsage(); const c0 = children.map((c) => processCpuMs(c.pid));
  const ms = await sequential(side, 1000);
  const own = process.cpuUsage(o0); const m = machineBusyMs() - m0; const c = children.map((ch, i) => processCpuMs(ch.pid) - c0[i]);
  (out[name] ??= []).push({ lat: median(ms) * 1000, machine: m, caller: (own.user + own.system) / 1000 / 1000, svc: name === 'single' ? c[0] / 1000 : name === 'replicated' ? c[1] / 1000 : NaN });
}
for (const [name, xs] of Object.entries(out)) console.log(name.padEnd(11), `lat ${median(xs.map((x) => x.lat)).toFixed(0)} µs, machine CPU ${median(xs.map((x) => x.machine)).toFixed(0)} µs/req, caller ${median(xs.map((x) => x.caller * 1000)).toFixed(0)} µs/req, service ${median(xs.map((x) => x.svc * 1000)).toFixed(0)} µs/req`);
await Promise.all(Object.values(callers).map((c) => c.close())); await raw.stop(); await Promise.all(children.map((c) => c.stop()));
const redis = new Redis(REDIS_URL); const keys = await redis.keys(`daebus:{${replicated}}:*`); if (keys.length) await redis.del(...keys); await redis.quit();
