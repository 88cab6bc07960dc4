import type { ThreadExit, ThreadState, ThreadStopResult } from './events';
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

/** What a stop of `run` resolves with: whether it was terminated, and if so while loading, or after its function returned. */
export function stopResult(
  name: string,
  state: ThreadState,
  run: { terminated: boolean; finishing: string | undefined },
  stillLoading: boolean,
): ThreadStopResult {
  const result: ThreadStopResult = { name, terminated: run.terminated, state };
  if (stillLoading) result.stillLoading = true;
  else if (run.terminated && run.finishing !== undefined) result.returned = true;
  return result;
}
