import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { HandlerPool } from '../pool/handler-pool';
import type { Accepted } from '../rpc/accepted';
import type { ServiceBus } from '../rpc/service-bus';
import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import type { ThreadStopResult } from '../supervisor/events';
import type { BackgroundTask } from './background';

/** How long cancelled pooled calls get to send their error replies before the rest is abandoned. */
const CANCEL_GRACE_MS = 1_000;

/**
 * Let the requests a stopping service took in finish within `timeoutMs`, saying what it waits
 * for; then cancel pooled calls, and answer what still runs with a STOPPED error reply. Resolves
 * with what was abandoned ("fib x2"), empty when everything finished.
 */
export async function drainRequests(init: {
  bus: ServiceBus;
  pool: HandlerPool | undefined;
  logger: Logger;
  service: string;
  timeoutMs: number;
}): Promise<string[]> {
  const { bus, pool, logger, service, timeoutMs } = init;
  if (bus.acceptedCount === 0) return [];
  logger.info(`Waiting up to ${seconds(timeoutMs)} for ${describe(bus.acceptedRequests())} to finish`);
  let unfinished = await bus.drain(timeoutMs);
  if (unfinished.length === 0) return [];
  const abandoned = summary(unfinished);
  logger.warn(
    `Gave up on ${describe(unfinished)} after ${seconds(timeoutMs)}: each gets a STOPPED error reply (pooled calls are cancelled)`,
  );
  if (pool) {
    pool.cancelAll(`Service "${service}" stopped before this pooled action finished.`);
    unfinished = await bus.drain(CANCEL_GRACE_MS);
  }
  await abandon(
    bus,
    unfinished,
    `Service "${service}" stopped before this action finished (it ran past the drain timeout of ${seconds(timeoutMs)}).`,
  );
  return abandoned;
}

/** Stop background tasks, waiting up to `timeoutMs` for runs in progress; a run still going then is named and left. */
export async function stopTasks(tasks: BackgroundTask[], logger: Logger, timeoutMs: number): Promise<void> {
  if (await settlesWithin(Promise.all(tasks.map((task) => task.stop())), timeoutMs)) return;
  const busy = tasks.filter((task) => task.busy).map((task) => task.name);
  logger.warn(`Background task(s) still running after ${timeoutMs} ms, not waited for: ${busy.join(', ')}`);
}

/** Answer every request taken in with a STOPPED error now (a forced stop). */
export async function abandonAll(bus: ServiceBus, service: string): Promise<string[]> {
  const unfinished = bus.acceptedRequests();
  await abandon(bus, unfinished, `Service "${service}" was forced to stop before this action finished.`);
  return summary(unfinished);
}

async function abandon(bus: ServiceBus, requests: Accepted[], message: string): Promise<void> {
  if (requests.length > 0) await bus.abandon(requests, new DaebusError(ErrorCodes.STOPPED, message));
}

/** "3 requests (2 running): fib x2, slow" */
function describe(requests: Accepted[]): string {
  const running = requests.filter((r) => r.running).length;
  const what = `${requests.length} request${requests.length === 1 ? '' : 's'}`;
  return `${what}${running < requests.length ? ` (${running} running)` : ''}: ${summary(requests).join(', ')}`;
}

function summary(requests: Accepted[]): string[] {
  const counts = new Map<string, number>();
  for (const { request } of requests) counts.set(request.action, (counts.get(request.action) ?? 0) + 1);
  return [...counts].map(([action, n]) => (n === 1 ? action : `${action} x${n}`));
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** The last line of a stop: what was given up on, or that everything ended by itself. */
export function logStopped(
  logger: Logger,
  service: string,
  abandoned: { readonly actions: readonly string[]; readonly requests: readonly string[] },
  results: readonly ThreadStopResult[],
): void {
  const terminated = results.filter((r) => r.terminated).map((r) => r.name);
  const troubles = [
    ...(abandoned.actions.length > 0 ? [`abandoned action(s): ${abandoned.actions.join(', ')}`] : []),
    ...(abandoned.requests.length > 0 ? [`abandoned HTTP request(s): ${abandoned.requests.join(', ')}`] : []),
    ...(terminated.length > 0 ? [`terminated thread(s) that ignored the stop: ${terminated.join(', ')}`] : []),
  ];
  if (troubles.length > 0) logger.warn(`Service "${service}" stopped; ${troubles.join('; ')}`);
  else logger.info(`Service "${service}" stopped; every action finished and every thread returned`);
}
