import { timingSafeEqual } from 'node:crypto';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { clipped } from '../../shared/clipped';
import { markReported } from '../support/reported';
import type { ActionHandler } from '../rpc/dispatcher';
import { BuiltinActions } from '../../shared/protocol/builtin-actions';
import type { OpsView } from './ops-view';
import type { ThreadSnapshot } from '../supervisor/events';
import type { AdminThreadReply } from './builtin-contract';

/** The app's `admin` option, resolved: off, on, or on with a token every admin request must carry. */
export interface AdminOptions {
  enabled: boolean;
  token?: string;
}

/**
 * The admin actions: start, stop and restart a thread; pause and resume a background task. Off
 * unless the app enables them; then anyone who can publish on the service's channel can call them
 * (with the token, when one is set), so enable them only where that channel is trusted.
 */
export function adminActions(view: OpsView, options: AdminOptions): Map<string, ActionHandler> {
  const guarded =
    (run: (name: string) => unknown, kind: 'thread' | 'task' = 'thread'): ActionHandler =>
    (payload, context) => {
      try {
        return run(refuseUnless(payload, kind));
      } catch (err) {
        if (!(err instanceof DaebusError) || !REFUSALS.has(err.code)) throw err;
        // a caller's mistake, or someone without the token: one line, not a handler's failure with its stack
        context.logger.warn(`Refused admin action "${context.request.action}" (${err.code}): ${err.message}`);
        throw markReported(err);
      }
    };
  /** The name to act on, once the request may act at all. */
  const refuseUnless = (payload: Record<string, unknown>, kind: 'thread' | 'task'): string => {
    if (!options.enabled) {
      throw new DaebusError(
        ErrorCodes.ADMIN_DISABLED,
        `Admin actions are off on service "${view.service}"; enable them with new Daebus(name, { admin: true }) or { admin: { token } }.`,
      );
    }
    const { name, token } = (payload ?? {}) as { name?: unknown; token?: unknown };
    if (options.token !== undefined && !sameToken(token, options.token)) {
      throw new DaebusError(
        ErrorCodes.FORBIDDEN,
        'This admin action needs the admin token of the service: the `token` field of its payload (the daebus command sends ' +
          '--token or DAEBUS_ADMIN_TOKEN).',
      );
    }
    if (typeof name !== 'string' || name === '') {
      throw new DaebusError(
        ErrorCodes.INVALID_ARGUMENT,
        `The payload needs "name": the thread or task to act on, e.g. { "name": "worker" }.`,
      );
    }
    if (kind === 'thread') knownThread(view, name);
    return name;
  };
  // the stops each thread's restarts asked: a stop of another restart is not "another stop"
  const restartStops = new Map<string, number>();
  const stopsBy = (name: string): { all: number; restarts: number } => ({
    all: view.stopsAsked(name),
    restarts: restartStops.get(name) ?? 0,
  });
  return new Map<string, ActionHandler>([
    [BuiltinActions.threadStart, guarded(async (name) => stamped(await view.startThread(name)))],
    [
      BuiltinActions.threadStop,
      guarded(async (name) => {
        await view.stopThread(name);
        return stamped(view.snapshot(name));
      }),
    ],
    [
      BuiltinActions.threadRestart,
      guarded(async (name) => {
        // a stop asked while this one stops the thread (by anyone) comes later: the last word wins
        const before = stopsBy(name);
        restartStops.set(name, before.restarts + 1);
        await view.stopThread(name);
        const after = stopsBy(name);
        if (after.all - before.all > after.restarts - before.restarts) {
          throw new DaebusError(
            ErrorCodes.THREAD_NOT_RUNNING,
            `Thread "${name}" was stopped and not started again: another stop (${BuiltinActions.threadStop}, app.stopThread() ` +
              `or the service's stop) came while the restart stopped it. Send ${BuiltinActions.threadStart} to start it.`,
          );
        }
        return stamped(await view.startThread(name));
      }),
    ],
    [BuiltinActions.taskPause, guarded((name) => view.pauseTask(name, true), 'task')],
    [BuiltinActions.taskResume, guarded((name) => view.pauseTask(name, false), 'task')],
  ]);
}

/** UNKNOWN_THREAD in an operator's words (the app's own advises registering it with app.thread). */
function knownThread(view: OpsView, name: string): void {
  const known = view.threads().map((thread) => thread.name);
  if (known.includes(name)) return;
  const listed = known.length > 0 ? `its threads are ${known.map((n) => `"${n}"`).join(', ')}` : 'it has none';
  throw new DaebusError(ErrorCodes.UNKNOWN_THREAD, `Service "${view.service}" has no thread named "${clipped(name)}": ${listed}.`);
}

/** What the guard refuses: said in one line, not logged as a handler that failed. */
const REFUSALS = new Set<string>([
  ErrorCodes.ADMIN_DISABLED,
  ErrorCodes.FORBIDDEN,
  ErrorCodes.INVALID_ARGUMENT,
  ErrorCodes.UNKNOWN_THREAD,
  ErrorCodes.UNKNOWN_TASK,
]);

function stamped(snapshot: ThreadSnapshot): AdminThreadReply {
  return { ...snapshot, at: Date.now() };
}

/** Compares in constant time, so the token cannot be guessed a character at a time. */
function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
