import { availableParallelism } from 'node:os';
import type Piscina from 'piscina';
import { poolWorkerEntry } from '../workers/worker-path';

/** A piscina pool of up to `maxWorkers` pool workers, each given `workerData`. */
export function createPiscina(maxWorkers: number, workerData: Record<string, unknown>): Piscina {
  // piscina is loaded on first use: a service without pooled work never starts the pool
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Piscina: PiscinaPool } = require('piscina') as typeof import('piscina');
  // minThreads workers stay up; more start under load and end after idleTimeout
  return new PiscinaPool({
    filename: poolWorkerEntry(),
    maxThreads: maxWorkers,
    minThreads: Math.min(maxWorkers, Math.max(1, Math.floor(availableParallelism() / 2))),
    idleTimeout: 30_000,
    // one call at a time per worker: the running table has one call per worker, and an
    // aborted call's worker is stopped without taking another call with it
    concurrentTasksPerWorker: 1,
    workerData,
  });
}
