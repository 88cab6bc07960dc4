import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import { TERMINATE_WAIT_MS } from '../workers/ending-workers';
import { blockedLine, stopTimeoutLine } from './reports';
import type { WorkerRun } from './worker-run';

/** How a stopped run ended: terminated while its module loaded, or terminated and still blocked. */
export interface RunEnding {
  stillLoading: boolean;
  blocked: boolean;
}

/** Ask `run` to stop, wait up to `timeoutMs` for it to return, then terminate it (waiting up to TERMINATE_WAIT_MS for that). */
export async function endRun(name: string, run: WorkerRun, timeoutMs: number, log: Logger): Promise<RunEnding> {
  run.requestStop();
  if (await settlesWithin(run.exited, timeoutMs)) return { stillLoading: false, blocked: false };
  // its function never started: a module still loading cannot see running(), only terminate() ends it
  const stillLoading = run.readyAt === undefined;
  log.warn(stopTimeoutLine(name, timeoutMs, stillLoading, run.finishing));
  if (await settlesWithin(run.terminate(), TERMINATE_WAIT_MS)) return { stillLoading, blocked: false };
  log.warn(blockedLine(name, TERMINATE_WAIT_MS));
  return { stillLoading, blocked: true };
}
