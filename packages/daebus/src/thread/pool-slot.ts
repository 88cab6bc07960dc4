// A pool worker's slot in the pool's running table (see POOL_RUNNING_KEY): which call it runs,
// and which it answered last, read by the main side when it must stop the worker of a call it
// aborts (a timeout, shutdown).
import { threadId, workerData } from 'node:worker_threads';
import { claimRunningSlot, LOADING_MODULES, POOL_RUNNING_KEY } from '../shared/protocol/pool';

const table = (workerData as Record<string, unknown> | null)?.[POOL_RUNNING_KEY] as Int32Array | undefined;

/**
 * The running-call field of the slot this worker claimed, or -1 (no table). The main side sizes
 * the table for twice the pool's workers and frees a slot when its worker exits, so one is free.
 */
const field = table === undefined ? -1 : claimRunningSlot(table, threadId);
// starting: the main side tells from this that a call waits for a worker still starting (see loadModules)
markRunning(LOADING_MODULES);

/** This worker now runs `call` (0: none). */
export function markRunning(call: number): void {
  if (field >= 0) Atomics.store(table as Int32Array, field, call);
}

/** This worker ended `call` and hands its answer to piscina now: it runs none. */
export function markAnswered(call: number): void {
  if (field < 0) return;
  Atomics.store(table as Int32Array, field + 1, call);
  Atomics.store(table as Int32Array, field, 0);
}

/** The handler module this worker started loading last and still waits for: its index + 1 (0: none). */
export function markLoadingModule(indexPlusOne: number): void {
  if (field >= 0) Atomics.store(table as Int32Array, field + 2, indexPlusOne);
}
