#!/usr/bin/env node
// Diagnostic, not a benchmark: what one request costs redis-server for each Redis side (daebus,
// raw ioredis auto-pipelined, Moleculer): commands, socket reads and writes (INFO stats
// total_reads_processed / total_writes_processed, Redis 7) and the server's CPU time, per
// request, over 20,000 requests with 256 in flight, each side twice. The counters are the
// server's: run it on a quiet Redis, or other clients' traffic is counted too.
//   node packages/bench/redis-io.mjs
import Redis from 'ioredis';
import { closedLoop } from './lib/drive.mjs';
import { REDIS_URL, redisServerCpuMs, setUp } from './lib/redis-sides.mjs';

const N = 20_000;
const IN_FLIGHT = 256;

async function counters(client) {
  const text = (await client.info('commandstats')) + (await client.info('stats'));
  const out = {};
  for (const m of text.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) out[m[1]] = Number(m[2]);
  for (const m of text.matchAll(/total_(reads|writes)_processed:(\d+)/g)) out[m[1]] = Number(m[2]);
  out.cpuMs = await redisServerCpuMs(client);
  return out;
}

const env = await setUp();
const client = new Redis(REDIS_URL);
try {
  for (const side of ['lib', 'rawPiped', 'mol', 'lib', 'rawPiped', 'mol']) {
    const before = await counters(client);
    const rate = await closedLoop(env.calls[side], N, IN_FLIGHT);
    const after = await counters(client);
    const per = (k) => ((after[k] - (before[k] ?? 0)) / N).toFixed(2);
    const cmds = Object.keys(after)
      .filter((k) => !['reads', 'writes', 'cpuMs'].includes(k) && after[k] !== before[k])
      .map((k) => `${k} ${per(k)}`)
      .join(', ');
    console.log(
      `${side.padEnd(8)} ${Math.round(rate)} req/s; per request: ${cmds}; reads ${per('reads')}, writes ${per('writes')}, ` +
        `server CPU ${(((after.cpuMs - before.cpuMs) * 1000) / N).toFixed(1)} µs`,
    );
  }
} finally {
  await client.quit();
  await env.close();
}
process.exit(0);
