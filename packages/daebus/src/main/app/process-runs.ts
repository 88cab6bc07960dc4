import type { Logger } from '../support/logger';
import { guardProcess } from './process-guards';

/** One `run()` that owns the process, with the choice it made about escaped errors. */
export interface ActiveRun {
  readonly logger: Logger;
  readonly exitOnUncaughtError: boolean;
}

/** What the runs that ended while others went on left for the process: the worst exit code, and whether any must end it in bounded time. */
export interface ProcessOutcome {
  code: number;
  bounded: boolean;
  /** No other run is left: the outcome is the process's. */
  last: boolean;
}

/**
 * The `run()`s of the process. Several apps may run in one process, and what `run()` does to the
 * process (its exit code, an exit forced after a stop that gave up on user code, the guards that
 * log escaped errors) is the process's, not one app's: one app's stop ended the others 2 s later,
 * the last run to end set the exit code alone (hiding another's failure), and a guard of one app
 * kept the process alive on an error that another app had asked to crash on.
 */
const active = new Set<ActiveRun>();
let ended = { code: 0, bounded: false };
let removeGuards: (() => void) | undefined;
/** The logger of the run that ended last: the guards' counted lines are flushed to it as they go. */
let leftLast: Logger | undefined;

/** Whether a run owns the process now (one begun after the last ended, too: a stop, then `run()` again). */
export function runsActive(): boolean {
  return active.size > 0;
}

/**
 * User code a stop gave up on may still hold the process, but a run begun since owns it: the
 * bounded end waits for that run's, whatever its own outcome.
 */
export function carryBound(): void {
  ended = { ...ended, bounded: true };
}

/** A run begins. */
export function joinRuns(run: ActiveRun): void {
  active.add(run);
  guardWhileWanted();
}

/**
 * A run ends with `code`; `bounded` when user code it gave up on may hold the process. Resolves
 * with the outcome so far of every run that ended since the process had none running.
 */
export function leaveRuns(run: ActiveRun, code: number, bounded: boolean): ProcessOutcome {
  active.delete(run);
  leftLast = run.logger;
  ended = { code: Math.max(ended.code, code), bounded: ended.bounded || bounded };
  guardWhileWanted();
  const outcome = { ...ended, last: active.size === 0 };
  if (outcome.last) ended = { code: 0, bounded: false };
  return outcome;
}

/**
 * Escaped errors are logged (once, whichever apps run) while every run asks for it; a run that
 * asked for `exitOnUncaughtError` gets Node's own behaviour, which ends the process.
 */
function guardWhileWanted(): void {
  const wanted = active.size > 0 && ![...active].some((run) => run.exitOnUncaughtError);
  if (wanted && removeGuards === undefined) {
    // a run is active while they are on, and leftLast is set before they are removed
    removeGuards = guardProcess(() => [...active][0]?.logger ?? (leftLast as Logger));
  } else if (!wanted && removeGuards !== undefined) {
    removeGuards();
    removeGuards = undefined;
  }
}
