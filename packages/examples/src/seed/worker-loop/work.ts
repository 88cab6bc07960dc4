// Stands in for the seed's process_work_items(): each call takes the items that arrived since
// the last one (made up here) and processes them. Every so often an item is malformed and
// processing throws, which the thread's loop logs and survives.
import { createHash } from 'node:crypto';
import { directLogger } from 'daebus/thread';

const ITEMS_PER_CALL = 4;
const MALFORMED_EVERY = 70;
const REPORT_EVERY = 100;

// Thread-local state: each thread (and each restart) starts from zero.
let nextId = 1;
let processed = 0;

/** Items processed so far by this thread run (for the get_status action, not in the seed). */
export function processedCount(): number {
  return processed;
}

export function processWorkItems(): void {
  for (let i = 0; i < ITEMS_PER_CALL; i += 1) {
    const id = nextId;
    nextId += 1;
    if (id % MALFORMED_EVERY === 0) throw new Error(`work item ${id} is malformed; skipped`);
    createHash('sha256').update(`work item ${id}`).digest('hex');
    processed += 1;
    if (processed % REPORT_EVERY === 0) directLogger.info(`Processed ${processed} work items`, { processed });
  }
}
