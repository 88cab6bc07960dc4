import { join } from 'node:path';
import type { ThreadEntrySpec } from '../../shared/protocol/thread';

/**
 * The one place the main side finds the thread side's worker entries (threads' and the pool's), beside this file's
 * `dist/main/`. A thread given as a module starts from the ES module entry, so an ES module
 * thread never crosses from the CommonJS loader to the ES one; an inline thread starts from the
 * CommonJS entry, the quickest to load.
 */
export function workerEntry(kind: ThreadEntrySpec['kind']): string {
  return join(__dirname, '..', '..', 'thread', kind === 'module' ? 'worker-entry.mjs' : 'worker-entry.js');
}

/** The module every worker of the handler pool loads. */
export function poolWorkerEntry(): string {
  return join(__dirname, '..', '..', 'thread', 'pool-worker.js');
}
