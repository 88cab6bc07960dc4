// Curves (issue 14): one benchmark per curve, each measured in one run and printed as tables in
// its details. The measuring code is in curves/, one file per curve.
import { poolCurve } from './curves/pool.mjs';
import { redisCurve } from './curves/redis.mjs';
import { stateCurve } from './curves/state.mjs';
import { threadsCurve } from './curves/threads.mjs';

export const suite = 'curves';

export const benchmarks = [
  {
    name: 'redis',
    title: 'requests/s and p50/p99 over Redis at 1-1,024 in flight: daebus, raw ioredis, Moleculer',
    run: redisCurve,
    timeoutMs: 180_000,
  },
  { name: 'threads', title: 'start time and RSS of 1, 8, 32, 64 threads vs raw new Worker', run: threadsCurve, timeoutMs: 180_000 },
  {
    name: 'state',
    title: 'shared-map increments/s with 1, 2, 4, 8 threads vs raw MessagePort requests',
    run: stateCurve,
    timeoutMs: 120_000,
  },
  { name: 'pool', title: 'pooled CPU-bound calls/s with maxWorkers 1, 2, 4 vs raw piscina', run: poolCurve, timeoutMs: 120_000 },
];
