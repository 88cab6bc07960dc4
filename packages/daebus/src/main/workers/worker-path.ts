import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { ThreadEntrySpec } from '../../shared/protocol/thread';

/**
 * Where the build puts the thread side's worker entries: `dist/thread/`, beside this file's
 * `dist/main/`. No `__dirname` means an ES module bundle (the library's own CommonJS always has
 * one): typeof keeps that a refusal with advice rather than a ReferenceError.
 */
const THREAD_DIR = typeof __dirname === 'string' ? join(__dirname, '..', '..', 'thread') : undefined;

/** Every file a worker of the library starts from: built and shipped together. */
const WORKER_FILES = ['worker-entry.js', 'worker-entry.mjs', 'pool-worker.js'];

let found = false;

/**
 * Refuse with LIBRARY_FILES_MISSING, before any worker is made, when the worker entries are not
 * where the build put them: daebus bundled into a service's own file, whose workers would
 * otherwise fail one by one with "Cannot find module" (a path the user never wrote).
 */
export function checkWorkerFiles(dir: string | undefined = THREAD_DIR): void {
  if (found && dir === THREAD_DIR) return;
  const missing = dir === undefined ? undefined : WORKER_FILES.map((file) => join(dir, file)).find((path) => !existsSync(path));
  if (dir !== undefined && missing === undefined) {
    if (dir === THREAD_DIR) found = true;
    return;
  }
  const where = missing === undefined ? 'daebus runs without __dirname (inside an ES module bundle)' : `${missing} does not exist`;
  throw new DaebusError(
    ErrorCodes.LIBRARY_FILES_MISSING,
    `daebus cannot start a worker: it looks for its worker files in its own dist/thread folder, and ${where}. ` +
      'This happens when daebus is bundled into your file. When bundling, leave daebus out of the bundle ' +
      '(esbuild --external:daebus, webpack externals) and ship it with your service, with its dependencies (the ' +
      'production node_modules: npm ci --omit=dev, pnpm deploy --prod).',
    { details: { path: missing ?? null } },
  );
}

/**
 * The one place the main side finds the thread side's worker entries (threads' and the pool's).
 * A thread given as a module starts from the ES module entry, so an ES module thread never
 * crosses from the CommonJS loader to the ES one; an inline thread starts from the CommonJS
 * entry, the quickest to load.
 */
export function workerEntry(kind: ThreadEntrySpec['kind']): string {
  checkWorkerFiles();
  return join(THREAD_DIR as string, kind === 'module' ? 'worker-entry.mjs' : 'worker-entry.js');
}

/** The module every worker of the handler pool loads. */
export function poolWorkerEntry(): string {
  checkWorkerFiles();
  return join(THREAD_DIR as string, 'pool-worker.js');
}
