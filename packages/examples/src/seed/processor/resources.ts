// What the seed's data_processor leaves undefined: its resources are a scratch directory and an
// open results file; an item arrives every ITEM_EVERY_MS and its result is appended to the file.
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directLogger, type ThreadContext } from 'daebus/thread';

const ITEM_EVERY_MS = 200;
const REPORT_EVERY = 10;

export interface Resources {
  dir: string;
  results: FileHandle;
  processed: number;
}

export async function setupResources(): Promise<Resources> {
  const dir = await mkdtemp(join(tmpdir(), 'daebus-processor-'));
  const results = await open(join(dir, 'results.jsonl'), 'a');
  directLogger.info(`Resources ready: results go to ${join(dir, 'results.jsonl')}`, { dir });
  return { dir, results, processed: 0 };
}

/** Wait for the next item (a stop ends the wait at once) and write its result. */
export async function processNextItem(resources: Resources, t: ThreadContext): Promise<void> {
  if (!(await t.sleep(ITEM_EVERY_MS))) return;
  const id = resources.processed + 1;
  const value = Math.random();
  await resources.results.appendFile(`${JSON.stringify({ id, value, square: value * value })}\n`);
  resources.processed = id;
  if (id % REPORT_EVERY === 0) directLogger.info(`Processed ${id} items`, { processed: id });
}

/** Close the results file and remove the scratch directory. */
export async function cleanupResources(resources: Resources): Promise<void> {
  await resources.results.close();
  await rm(resources.dir, { recursive: true, force: true });
  directLogger.info(`Cleaned up resources: closed the results file after ${resources.processed} items and removed ${resources.dir}`, {
    dir: resources.dir,
    processed: resources.processed,
  });
}
