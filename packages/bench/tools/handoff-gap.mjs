// The pub/sub lease's hand-off at a clean stop, measured: two (or more) replicas of a service,
// a caller publishing requests on the service's channel without pause (as Python callers send
// them), and the lease holder stopped while it does. Per stop: the requests published while no
// connection was subscribed (PUBLISH answered 0), those never run, those run twice, and how long
// the holder's stop took. Not run by the benchmark runner.
//
//   node packages/bench/tools/handoff-gap.mjs [rounds=5] [replicas=2] [publishers=1]
//
// Publishers past the first load the machine as a busier caller does (each awaits its PUBLISH).
import Redis from 'ioredis';
import { Daebus, createLogger } from 'daebus';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
const [rounds, replicas, publishers] = process.argv.slice(2).map(Number);

async function replica(service, ran) {
  const app = new Daebus('handoff', { logger: createLogger({ level: 'error' }) });
  app.action('count', (payload) => void ran.push(payload.n));
  await app.start({ service, redis: REDIS_URL, replicas: {} });
  return app;
}

async function round(index) {
  const service = `handoff_gap_${process.pid}_${index}`;
  const ran = [];
  const apps = [];
  for (let i = 0; i < (replicas || 2); i++) apps.push(await replica(service, ran)); // the first takes the lease
  const redis = new Redis(REDIS_URL);
  let n = 0;
  let stopped = false;
  let unheard = 0;
  const publish = async (client) => {
    for (let after = 0; after < 500; after += stopped ? 1 : 0) {
      const message = JSON.stringify({ action: 'count', payload: { n }, request_id: `r${n}`, reply_to: `void_${service}` });
      n++;
      if ((await client.publish(service, message)) === 0) unheard++;
    }
  };
  const clients = Array.from({ length: publishers || 1 }, () => new Redis(REDIS_URL));
  const publishing = Promise.all(clients.map(publish));
  while (ran.length < 500) await new Promise((resolve) => setTimeout(resolve, 5));
  const before = performance.now();
  await apps[0].stop();
  const stopMs = performance.now() - before;
  stopped = true;
  await publishing;
  await new Promise((resolve) => setTimeout(resolve, 1_500)); // the stream read to its end
  const seen = new Set(ran);
  await Promise.all(apps.slice(1).map((app) => app.stop()));
  const keys = await redis.keys(`daebus:{${service}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await Promise.all([redis, ...clients].map((client) => client.quit()));
  return { published: n, unheard, notRun: n - seen.size, twice: ran.length - seen.size, stopMs: Math.round(stopMs) };
}

const results = [];
for (let i = 0; i < (rounds || 5); i++) results.push(await round(i));
console.table(results);
process.exit(0);
