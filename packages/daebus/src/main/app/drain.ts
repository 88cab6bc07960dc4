import { clippedList } from '../../shared/clipped';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { waitText } from '../ops/units';
import type { HandlerPool } from '../pool/handler-pool';
import type { Accepted } from '../rpc/accepted';
import { actionCounts } from '../rpc/action-counts';
import type { ServiceBus } from '../rpc/service-bus';
import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import type { BackgroundTask } from './background';

/** How long cancelled pooled calls get to send their error replies (the other requests do not wait for it). */
const CANCEL_GRACE_MS = 1_000;

/** How long the STOPPED replies of the requests a stop gives up on are waited for (a healthy transport takes them at once). */
const STOPPED_REPLY_MS = 1_000;

/** What a stop's drain gave up on: requests answered STOPPED, and a replica's left in the stream to run again. */
export interface Drained {
  abandoned: string[];
  rerun: string[];
}

/**
 * Let the requests a stopping service took in finish within `timeoutMs`, saying what it waits
 * for; then cancel pooled calls, and answer what still runs with a STOPPED error reply. A
 * replica's requests (from the durable stream) get no reply: they stay in the stream, and another
 * replica runs them again, so they are not lost work (`rerun`, not `abandoned`: no exit code 1).
 */
export async function drainRequests(init: {
  bus: ServiceBus;
  pool: HandlerPool | undefined;
  logger: Logger;
  timeoutMs: number;
  /** The main side's queue takes, ended as the time is up, before the threads stop (see MainWaits). */
  waits?: { endMainWaits(): void };
}): Promise<Drained> {
  const { bus, pool, logger, timeoutMs } = init;
  const service = bus.service;
  if (bus.acceptedCount === 0) {
    init.waits?.endMainWaits();
    return { abandoned: [], rerun: [] };
  }
  logger.info(`Waiting up to ${waitText(timeoutMs)} for ${describe(bus.acceptedRequests())} to finish`);
  const left = await bus.drain(timeoutMs);
  // at once, before anything below awaits: a handler given up on must not take an item a thread puts meanwhile
  init.waits?.endMainWaits();
  // finished, their replies handed to the transport: not given up on, nor answered again (before:
  // counted as answered STOPPED, which they never were)
  const sending = left.filter((r) => r.replying);
  if (sending.length > 0) {
    logger.info(`${counted(sending)} finished, their replies still going out to ${bus.transport.description}: not waited for`);
    await bus.letGo(sending);
  }
  let unfinished = left.filter((r) => !r.replying);
  if (unfinished.length === 0) return { abandoned: [], rerun: [] };
  const answered = unfinished.filter((r) => !r.durable);
  const rerun = unfinished.filter((r) => r.durable);
  const fates = [
    answered.length > 0 ? `${rerun.length > 0 ? answered.length : 'each'} get${rerun.length > 0 ? '' : 's'} a STOPPED error reply` : '',
    rerun.length > 0
      ? `${answered.length > 0 ? rerun.length : 'each'} stay${answered.length > 0 ? '' : 's'} in the request stream, for another replica to run again`
      : '',
  ].filter(Boolean);
  logger.warn(`Gave up on ${describe(unfinished)} after ${waitText(timeoutMs)}: ${fates.join(', ')} (pooled calls are cancelled)`);
  const why = `Service "${service}" stopped before this action finished (it ran past the drain timeout of ${waitText(timeoutMs)}).`;
  const cancelled = pool?.cancelAll(`Service "${service}" stopped before this pooled action finished.`);
  if (cancelled !== undefined && cancelled.size > 0) {
    // the others get their STOPPED reply now; cancelled pooled calls send their own within the grace
    await abandon(
      bus,
      unfinished.filter((r) => !cancelled.has(r.response)),
      why,
    );
    unfinished = await bus.drain(CANCEL_GRACE_MS);
  }
  await abandon(bus, unfinished, why);
  return { abandoned: actionCounts(answered), rerun: actionCounts(rerun) };
}

/** Stop background tasks, waiting up to `timeoutMs` for runs in progress; a run still going then is named and left (resolves with their names). */
export async function stopTasks(tasks: BackgroundTask[], logger: Logger, timeoutMs: number): Promise<string[]> {
  // said, as for requests: the actions' drain waits for these first (before: nothing until they ended)
  const running = tasks.filter((task) => task.busy).map((task) => task.name);
  if (running.length > 0)
    logger.info(`Waiting up to ${waitText(timeoutMs)} for the background task run(s) in progress: ${clippedList(running)}`);
  if (await settlesWithin(Promise.all(tasks.map((task) => task.stop())), timeoutMs)) return [];
  const busy = tasks.filter((task) => task.busy).map((task) => task.name);
  logger.warn(`Background task(s) still running after ${timeoutMs} ms, not waited for: ${clippedList(busy)}`);
  return busy;
}

/** The background task runs a forced stop leaves going, as its last line names them. */
export function runningTasks(entries: Iterable<{ task: BackgroundTask }>): string[] {
  return [...entries].filter(({ task }) => task.busy).map(({ task }) => `background task "${task.name}"`);
}

/** Answer every request taken in with a STOPPED error now (a forced stop). */
export async function abandonAll(bus: ServiceBus, service: string): Promise<string[]> {
  const unfinished = bus.acceptedRequests();
  await abandon(bus, unfinished, `Service "${service}" was forced to stop before this action finished.`);
  return actionCounts(unfinished);
}

async function abandon(bus: ServiceBus, requests: Accepted[], message: string): Promise<void> {
  // not past STOPPED_REPLY_MS: with Redis down, ioredis holds the replies through its reconnect tries (a stop took 10 s and more)
  if (requests.length > 0) await settlesWithin(bus.abandon(requests, new DaebusError(ErrorCodes.STOPPED, message)), STOPPED_REPLY_MS);
}

/**
 * "3 requests (2 running): fib x2, slow". One finished whose reply is still going out is not
 * counted as running: its action's slot is free again (before: "257 running" at a concurrency of 256).
 */
function describe(requests: Accepted[]): string {
  const sending = requests.filter((r) => r.replying).length;
  const running = requests.filter((r) => r.running && !r.replying).length;
  const replies = sending === 0 ? '' : `, ${sending} sending ${sending === 1 ? 'its reply' : 'their replies'}`;
  return counted(requests, running < requests.length ? ` (${running} running${replies})` : '');
}

/** "3 requests: fib x2, slow", with `states` after the count. */
function counted(requests: Accepted[], states = ''): string {
  return `${requests.length} request${requests.length === 1 ? '' : 's'}${states}: ${actionCounts(requests).join(', ')}`;
}
