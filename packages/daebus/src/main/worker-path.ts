import { join } from 'node:path';

/**
 * The one place the main side finds the thread side's worker entry: the built
 * `dist/thread/worker-entry.js`, beside this file's `dist/main/`.
 */
export const WORKER_ENTRY = join(__dirname, '..', 'thread', 'worker-entry.js');
