import { clippedList } from '../../shared/clipped';
import type { Logger } from '../support/logger';
import { flushTransportReports } from '../support/guarded-transports';
import type { ThreadStopResult } from '../supervisor/events';
import type { Drained } from './drain';

/** What a stop gave up on, part by part: the last line names it, and the exit code follows from it. */
export interface StopLeft extends Drained {
  /** HTTP requests answered 503 ("GET /slow x2"). */
  readonly requests: readonly string[];
  /** WebSocket messages whose handlers still ran ('"slow" (client user_...)'). */
  readonly messages: readonly string[];
  /** Background task runs not waited for. */
  readonly tasks: readonly string[];
  /** Clients whose WebSocket disconnect hooks still ran. */
  readonly hooks: readonly string[];
  readonly threads: readonly ThreadStopResult[];
  /** What a forced stop (a second signal) gave up on, when one came. */
  readonly forced?: readonly string[];
}

/**
 * Work given up on that is lost (exit code 1): actions and requests answered STOPPED, WebSocket
 * messages unanswered, and threads still blocked after their termination (the process cannot end
 * by itself while they are). A replica's requests left to run again are not lost.
 */
export function abandonedWork(left: StopLeft): boolean {
  return left.abandoned.length + left.requests.length + left.messages.length > 0 || left.threads.some((r) => r.blocked === true);
}

/** Anything given up on that may still run: the process owner bounds how long it may keep the process up. */
export function gaveUpOn(left: StopLeft): boolean {
  return abandonedWork(left) || left.rerun.length + left.tasks.length + left.hooks.length > 0;
}

/** The last line of a stop: what was given up on, or that everything ended by itself (`startFailed`: the stop of a start that failed). */
export function logStopped(logger: Logger, service: string, left: StopLeft, startFailed = false): void {
  // a forced stop names the threads it terminated itself (`thread "t" (terminated)`): they ignored nothing
  const results = left.forced?.length ? left.threads.filter((r) => !r.terminated) : left.threads;
  const terminated = results.filter((r) => r.terminated && !r.stillLoading && !r.returned && !r.blocked).map((r) => r.name);
  const held = results.filter((r) => r.terminated && r.returned && !r.blocked).map((r) => r.name);
  const loading = results.filter((r) => r.terminated && r.stillLoading && !r.blocked).map((r) => r.name);
  const blocked = results.filter((r) => r.blocked).map((r) => r.name);
  const troubles = [
    ...(left.forced?.length ? [`forced to stop, it gave up on ${clippedList(left.forced)}`] : []),
    ...(left.abandoned.length > 0 ? [`abandoned action(s): ${left.abandoned.join(', ')}`] : []),
    ...(left.rerun.length > 0 ? [`action(s) left for another replica to run again: ${left.rerun.join(', ')}`] : []),
    ...(left.requests.length > 0 ? [`abandoned HTTP request(s): ${left.requests.join(', ')}`] : []),
    ...(left.messages.length > 0 ? [`abandoned WebSocket message(s): ${clippedList(left.messages)}`] : []),
    ...(left.tasks.length > 0 ? [`background task run(s) not waited for: ${clippedList(left.tasks)}`] : []),
    ...(left.hooks.length > 0 ? [`WebSocket disconnect hook(s) not waited for: ${clippedList(left.hooks)}`] : []),
    ...(terminated.length > 0 ? [`terminated thread(s) that ignored the stop: ${terminated.join(', ')}`] : []),
    ...(loading.length > 0 ? [`terminated thread(s) still loading their module: ${loading.join(', ')}`] : []),
    ...(held.length > 0 ? [`terminated thread(s) whose stop hooks or message handlers had not ended: ${held.join(', ')}`] : []),
    ...(blocked.length > 0 ? [`thread(s) still blocked in a native call after termination: ${blocked.join(', ')}`] : []),
  ];
  // a thread that failed for good before the stop did not return at it: named, though not given up on
  const failed = results.filter((r) => r.state === 'failed' && !r.terminated).map((r) => r.name);
  const failedNote = failed.length > 0 ? `failed before the stop: ${failed.join(', ')}` : undefined;
  if (troubles.length > 0) logger.warn(`Service "${service}" stopped; ${[...troubles, ...(failedNote ? [failedNote] : [])].join('; ')}`);
  // not "every thread returned": the error that follows names a thread that did not start
  else if (startFailed)
    logger.info(`Service "${service}" stopped, as its start failed; every action finished and every thread that started returned`);
  else if (failedNote) logger.info(`Service "${service}" stopped; every action finished and every running thread returned (${failedNote})`);
  else logger.info(`Service "${service}" stopped; every action finished and every thread returned`);
  // what its transports failed to write in the last second, counted and not said yet (the process may end before the timer)
  flushTransportReports(logger);
}
