import type { ThreadExit } from './events';
import { classifyExit } from './exit';
import type { WorkerRun } from './worker-run';

/** The record of a run that ended with `code` at `now`: why, how, and after how long. */
export function exitRecord(run: WorkerRun, code: number, now: number): ThreadExit {
  const reason = classifyExit({ code, ...(run.error ? { error: run.error } : {}), stopRequested: run.stopRequested });
  return {
    reason,
    code,
    terminated: run.terminated,
    at: now,
    uptimeMs: run.readyAt === undefined ? 0 : now - run.readyAt,
    ...(run.error ? { error: run.error } : {}),
  };
}
