// A thread whose module never finishes loading (a top-level await that never settles) stays in
// state 'starting', and app.start() waits for it: without this, nothing said why.
import { PRELOAD_WAIT_MS } from '../../shared/protocol/pool';
import type { ThreadEntrySpec } from '../../shared/protocol/thread';
import type { Logger } from '../support/logger';

/** How long a thread's module may load before it is logged: as long as the pool gives its handler modules. */
export const LOAD_WARN_MS = PRELOAD_WAIT_MS;

/** What a thread still loading its module LOAD_WARN_MS after it began says (once per run). */
export function stillLoadingLine(name: string, specifier: string): string {
  return (
    `Thread "${name}" has not finished loading its module ${specifier} within ${LOAD_WARN_MS / 1000} s: ` +
    'its top-level code is still running (a top-level await that never settles?). The thread stays ' +
    "'starting', and app.start() or startThread() waits until it loads; make its top-level code " +
    'finish, and move long waits into the thread function.'
  );
}

/**
 * Log a warning if the run's module has not loaded LOAD_WARN_MS from now (an inline function
 * has no module to wait for). Returns what cancels it: the thread started, or the run ended.
 */
export function watchLoad(name: string, entry: ThreadEntrySpec, log: Logger): () => void {
  if (entry.kind !== 'module') return () => undefined;
  const timer = setTimeout(() => log.warn(stillLoadingLine(name, entry.specifier), { module: entry.specifier }), LOAD_WARN_MS);
  // a thread that keeps the process alive does so with its worker, not with this
  timer.unref();
  return () => clearTimeout(timer);
}
