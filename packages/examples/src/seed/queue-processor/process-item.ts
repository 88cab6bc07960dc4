// Thread side: the seed's process_item(). A job's work is its `text` field: count its words and
// characters and hash it; `processMs` of simulated work makes a queue visible.
import { createHash } from 'node:crypto';
import type { ThreadContext } from 'daebus/thread';
import type { Job, JobResult } from './job';

export async function processItem(item: Job, processMs: number, t: ThreadContext): Promise<JobResult> {
  const text = typeof item.text === 'string' ? item.text : '';
  // The work itself is quick; the wait stands for a slow one. A stop cuts the wait short, and the
  // item is still finished (it was taken off the queue).
  await t.sleep(processMs);
  return {
    words: text.split(/\s+/).filter((word) => word.length > 0).length,
    characters: text.length,
    sha256: createHash('sha256').update(text).digest('hex'),
    processed_at: Date.now() / 1000,
  };
}
