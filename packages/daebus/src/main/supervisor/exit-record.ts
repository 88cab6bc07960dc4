import type { ThreadExit, ThreadState, ThreadStopResult } from './events';
import { classifyExit } from './exit';
import type { RunEnding } from './run-stop';
import type { WorkerRun } from './worker-run';
import { monotonicMs } from '../../shared/clock';

/** How long `run` has run since its function started (0 before), on the monotonic clock. */
export function upFor(run: Pick<WorkerRun, 'readyMonoMs'>): number {
  return run.readyMonoMs === undefined ? 0 : Math.round(monotonicMs() - run.readyMonoMs);
}

/** The record of a run that ended with `code` at `now` (the wall clock's time): why, how, and after how long. */
export function exitRecord(run: WorkerRun, code: number, now: number): ThreadExit {
  const reason = classifyExit({ code, ...(run.error ? { error: run.error } : {}), stopRequested: run.stopRequested });
  return {
    reason,
    code,
    terminated: run.terminated,
    at: now,
    uptimeMs: upFor(run),
    ...(run.error ? { error: run.error } : {}),
  };
}

/** What a stop of `run` resolves with: whether it was terminated, and if so while loading, or after its function returned, or still blocked. */
export function stopResult(
  name: string,
  state: ThreadState,
  run: { terminated: boolean; finishing: string | undefined },
  ending: RunEnding,
): ThreadStopResult {
  const result: ThreadStopResult = { name, terminated: run.terminated, state };
  if (ending.stillLoading) result.stillLoading = true;
  else if (run.terminated && run.finishing !== undefined) result.returned = true;
  if (ending.blocked) result.blocked = true;
  return result;
}
