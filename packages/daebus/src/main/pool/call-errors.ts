import { MAX_NESTING, nestsTooDeep, tooDeep } from '../../shared/cloneable';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { PRELOAD_WAIT_MS } from '../../shared/protocol/pool';
import { monotonicMs } from '../../shared/clock';
import type { PooledKind, RunningCall } from './running-call';
import type { RunningTable } from './running-table';

/** How errors name a call: `Pooled action "resize"`, `Pooled route "GET /x"`, `Pooled task "nightly"`. */
export function pooledName(request: { kind?: PooledKind | undefined; action: string }): string {
  return `Pooled ${request.kind ?? 'action'} "${request.action}"`;
}

const SLOT_ADVICE = 'Raise its concurrency (and maxWorkers to match) or its timeoutMs, or send fewer at once.';

/**
 * TIMEOUT for a call whose request arrived (see CallRequest.arrivedAt) a timeout ago or more: it
 * waited that long for a slot of its action (its `concurrency`), before it came to the pool.
 */
export function refuseExpired(call: {
  kind?: PooledKind | undefined;
  action: string;
  timeoutMs: number;
  arrivedAt?: number | undefined;
}): void {
  if (call.arrivedAt === undefined) return;
  const waitedMs = monotonicMs() - call.arrivedAt;
  if (waitedMs < call.timeoutMs) return;
  throw new DaebusError(
    ErrorCodes.TIMEOUT,
    `${pooledName(call)} did not start within its timeout of ${call.timeoutMs} ms: it waited ${Math.round(waitedMs)} ms for a slot ` +
      `of the action (its concurrency: that many of its requests run at once, the others wait). ${SLOT_ADVICE}`,
  );
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
function waitAdvice({ busy, starting }: { busy: boolean; starting: boolean }, dropped: boolean, kind: PooledKind | undefined): string {
  const what = dropped ? 'It was dropped; raise' : 'Raise';
  const timeout = `the ${kind ?? 'action'}'s timeoutMs`;
  return busy || !starting ? `${what} maxWorkers or ${timeout}.` : `${what} ${timeout}, or call it once the workers started.`;
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
  // the wait for a slot of its action (before the pool took it), then for a free worker
  const slotMs = running.pooledAt - (running.deadline - timeoutMs);
  const slotWait = slotMs > resolutionMs ? `about ${Math.round(slotMs)} ms for a slot of the action (its concurrency)` : '';
  if (runsNow) {
    const workerMs = (running.startedAt ?? running.deadline) - running.pooledAt;
    const queuedMs = slotMs + workerMs;
    // first seen running at its timeout or after (the main thread was busy): how long it waited is not known
    if (queuedMs <= resolutionMs || queuedMs >= timeoutMs) {
      return new DaebusError(ErrorCodes.TIMEOUT, `${name} ran past its timeout of ${timeoutMs} ms; its worker was stopped.`);
    }
    const workerWait =
      workerMs > resolutionMs ? `about ${Math.round(workerMs)} ms for a free worker (${waitReason(running.waitedOn, false)})` : '';
    const advice = workerWait ? waitAdvice(running.waitedOn, false, running.request.kind) : SLOT_ADVICE;
    return new DaebusError(
      ErrorCodes.TIMEOUT,
      `${name} ran past its timeout of ${timeoutMs} ms, of which it waited ${[slotWait, workerWait].filter(Boolean).join(' and ')} and ran about ${Math.round(timeoutMs - queuedMs)} ms; its worker was stopped. ${advice}`,
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
    `${name} did not start within its timeout of ${timeoutMs} ms: ${slotWait ? `it waited ${slotWait}, then ` : ''}${waitReason(running.waitedOn, true)}. ${waitAdvice(running.waitedOn, true, running.request.kind)}`,
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
