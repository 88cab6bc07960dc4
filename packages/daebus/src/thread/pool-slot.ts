// A pool worker's slot in the pool's running table (see POOL_RUNNING_KEY): which call it runs,
// read by the main side when it must stop the worker of a call it aborts (a timeout, shutdown).
import { threadId, workerData } from 'node:worker_threads';
import { POOL_RUNNING_KEY, RUNNING_SLOT_FIELDS } from '../shared/protocol/pool';

const table = (workerData as Record<string, unknown> | null)?.[POOL_RUNNING_KEY] as Int32Array | undefined;

/**
 * The running-call field of the slot this worker claimed, or -1 (no table). The main side sizes
 * the table for twice the pool's workers and frees a slot when its worker exits, so one is free.
 */
const field = claim();

function claim(): number {
  if (table === undefined) return -1;
  for (let at = 0; at < table.length; at += RUNNING_SLOT_FIELDS) {
    if (Atomics.compareExchange(table, at, 0, threadId) === 0) return at + 1;
  }
  return -1;
}

/** This worker now runs `call` (0: none). */
export function markRunning(call: number): void {
  if (field >= 0) Atomics.store(table as Int32Array, field, call);
}
