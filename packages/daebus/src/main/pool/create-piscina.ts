import { availableParallelism } from 'node:os';
import type Piscina from 'piscina';
import { toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { poolWorkerEntry } from '../workers/worker-path';

/** A piscina pool of up to `maxWorkers` pool workers, each given `workerData`; its errors go to `logger`. */
export function createPiscina(logger: Logger, maxWorkers: number, workerData: Record<string, unknown>): Piscina {
  // piscina is loaded on first use: a service without pooled work never starts the pool
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Piscina: PiscinaPool } = require('piscina') as typeof import('piscina');
  // minThreads workers stay up; more start under load and end after idleTimeout
  const pool = new PiscinaPool({
    filename: poolWorkerEntry(),
    maxThreads: maxWorkers,
    minThreads: Math.min(maxWorkers, Math.max(1, Math.floor(availableParallelism() / 2))),
    idleTimeout: 30_000,
    // one call at a time per worker: the running table has one call per worker, and an
    // aborted call's worker is stopped without taking another call with it
    concurrentTasksPerWorker: 1,
    // calls start in the order they came: by default piscina puts a task it could not hand out at
    // the back of its queue, and under load the oldest calls waited out their timeouts
    stricterFIFO: true,
    // a worker waits for its next call with its event loop running, not blocked in Atomics.wait:
    // a timer or promise a call left behind settles (and its error is logged) while the worker is
    // idle, not only once another call comes (a trivial call's latency +4%, idle CPU +1 ms/s: BENCHMARKS.md)
    atomics: 'async',
    // its run and wait time histograms: nothing reads them (pool stats count calls), and they cost a clock read and a record per call
    recordTiming: false,
    workerData,
  });
  // with no listener, a pool 'error' event would end the process
  pool.on('error', (err: unknown) => logger.error(`The handler pool reported an error: ${toPlainError(err).message}`));
  return pool;
}
