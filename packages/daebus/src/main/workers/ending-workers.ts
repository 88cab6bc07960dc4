import type { Worker } from 'node:worker_threads';
import { settlesWithin } from '../support/timers';

/**
 * How long a stop waits for a terminated worker to end. One ends within milliseconds of its
 * termination, unless it is blocked in a native call that termination cannot interrupt (a
 * synchronous child process): the stop goes on without it then, rather than wait for that call.
 */
export const TERMINATE_WAIT_MS = 1_000;

/**
 * Worker threads this library told to terminate, and since when. Node's `process.exit` waits for
 * every worker thread to end (it joins them), and termination cannot reach one blocked in a
 * native call (a synchronous child process such as `execSync`, a blocking read): such a worker
 * holds the exit until that call returns, however long. `run()` ends such a process otherwise.
 */
const ending = new Map<Worker, number>();

/** `worker` is told to terminate now (the first time counts). */
export function terminating(worker: Worker): void {
  if (ending.has(worker) || worker.threadId === -1) return;
  ending.set(worker, performance.now());
  worker.once('exit', () => ending.delete(worker));
}

/** How many workers told to terminate at least `forMs` ago have not ended. */
export function blockedWorkers(forMs: number): number {
  const now = performance.now();
  let blocked = 0;
  for (const [worker, since] of ending) if (worker.threadId !== -1 && now - since >= forMs) blocked += 1;
  return blocked;
}

/** Terminate `worker`, counted as ending (see blockedWorkers). */
export function terminate(worker: Worker): Promise<number> {
  terminating(worker);
  return worker.terminate();
}

/** End `workers` with `end` (a pool's destroy), waiting up to TERMINATE_WAIT_MS: one blocked in a native call is left behind. */
export async function endWorkers(workers: readonly Worker[], end: () => Promise<unknown>): Promise<void> {
  for (const worker of workers) terminating(worker);
  await settlesWithin(end(), TERMINATE_WAIT_MS);
}
