import { MAX_NESTING, nestsTooDeep, tooDeep } from '../../shared/cloneable';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { PRELOAD_WAIT_MS } from '../../shared/protocol/pool';
import type { PooledKind, RunningCall } from './running-call';
import type { RunningTable } from './running-table';

/** How errors name a call: `Pooled action "resize"`, `Pooled route "GET /x"`, `Pooled task "nightly"`. */
export function pooledName(request: { kind?: PooledKind | undefined; action: string }): string {
  return `Pooled ${request.kind ?? 'action'} "${request.action}"`;
}

/** Why a call waited for a worker, from what the sweeps saw as it waited (see RunningCall.waiting). */
function waitReason({ busy, starting }: { busy: boolean; starting: boolean }, dropped: boolean): string {
  if (!starting) return 'every worker of the pool was busy';
  // a worker that never gets past its start is what keeps a call from starting at all
  const stuck = dropped
    ? `; one whose top-level code does not finish holds it back for up to ${PRELOAD_WAIT_MS / 1000} s, and is logged`
    : '';
  // inside the parentheses of a run's message: no second pair
  const loading = `${dropped ? ' (' : ': '}a new worker loads the pooled handler modules before it takes a call${stuck}${dropped ? ')' : ''}`;
  return busy ? `every worker of the pool was busy or still starting${loading}` : `the pool's workers were still starting${loading}`;
}

/** What to do about it: more workers help busy ones, not starting ones. */
function waitAdvice({ busy, starting }: { busy: boolean; starting: boolean }, dropped: boolean): string {
  const what = dropped ? 'It was dropped; raise' : 'Raise';
  return busy || !starting
    ? `${what} maxWorkers or the action's timeoutMs.`
    : `${what} the action's timeoutMs, or call it once the workers started.`;
}

/**
 * The error a call past its timeout gets. One a worker runs says how much of its time went
 * waiting for a free worker, when that was a noticeable part (its timeout counts from when it
 * arrived, queued or not); one no worker took says why it never started. `table` tells whether a
 * worker runs it; `resolutionMs`: how close the pool sees a call start (how often it looks), a
 * shorter wait is not mentioned.
 */
export function timedOutError(running: RunningCall, table: RunningTable, resolutionMs: number): DaebusError {
  const { timeoutMs } = running.request;
  const name = pooledName(running.request);
  const runsNow = table.workerRunning(running.id) !== undefined;
  if (runsNow) {
    const queuedMs = (running.startedAt ?? running.deadline) - (running.deadline - timeoutMs);
    // first seen running at its timeout or after (the main thread was busy): how long it waited is not known
    if (queuedMs <= resolutionMs || queuedMs >= timeoutMs) {
      return new DaebusError(ErrorCodes.TIMEOUT, `${name} ran past its timeout of ${timeoutMs} ms; its worker was stopped.`);
    }
    return new DaebusError(
      ErrorCodes.TIMEOUT,
      `${name} ran past its timeout of ${timeoutMs} ms, of which it waited about ${Math.round(queuedMs)} ms for a free worker (${waitReason(running.waitedOn, false)}) and ran about ${Math.round(timeoutMs - queuedMs)} ms; its worker was stopped. ${waitAdvice(running.waitedOn, false)}`,
    );
  }
  // its handler ended and its worker handed the answer to piscina, which has not delivered it yet
  if (table.workerAnswered(running.id) !== undefined) {
    return new DaebusError(
      ErrorCodes.TIMEOUT,
      `${name} returned, but its reply had not reached the main thread when its timeout of ${timeoutMs} ms came: ` +
        'the main thread was busy, or the reply is very large (it takes long to copy), or the main thread cannot read it (a value ' +
        `nested too deep, perhaps through an array's extra properties: values sent from threads can nest up to ${MAX_NESTING} levels; ` +
        'its worker is then stopped).',
    );
  }
  return new DaebusError(
    ErrorCodes.TIMEOUT,
    `${name} did not start within its timeout of ${timeoutMs} ms: ${waitReason(running.waitedOn, true)}. ${waitAdvice(running.waitedOn, true)}`,
  );
}

/** The error of a call whose task piscina failed: its worker crashed or was stopped, or the task could not be posted. */
export function taskFailedError(name: string, err: unknown, payload?: unknown): Error {
  const plain = toPlainError(err);
  // Node's code and text name neither the handler nor what became of its worker
  if (plain.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new DaebusError(
      ErrorCodes.HANDLER_ERROR,
      `${name} ran its worker out of memory (${plain.message}); the pool replaced it. A pool worker has the heap limit of ` +
        'the process (--max-old-space-size): hold less at once in the handler, or split its work over several calls.',
    );
  }
  if (plain.code) return err instanceof Error ? err : new DaebusError(plain.code, plain.message);
  // the task could not be posted: its payload nests deeper than a copy to a worker can go
  if (plain.name === 'RangeError' && nestsTooDeep(payload)) return tooDeep(`${name}: the payload`, payload);
  if (/worker (exited|terminated)|terminat/i.test(plain.message)) {
    return new DaebusError(ErrorCodes.HANDLER_ERROR, `${name} crashed its worker (${plain.message}); the pool replaced it.`);
  }
  return err instanceof Error ? err : new DaebusError(ErrorCodes.HANDLER_ERROR, plain.message);
}
