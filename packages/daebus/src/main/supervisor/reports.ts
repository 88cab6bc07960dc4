/** What the supervisor says about a thread: errors for calls it cannot take, log lines for exits and failures. */
import { DaebusError, ErrorCodes, isErrorCode, type PlainError } from '../../shared/errors';
import type { ThreadExit, ThreadFailedEvent, ThreadSnapshot, ThreadState } from './events';
import type { ResolvedThreadOptions } from './thread-options';

/** Why a message cannot reach thread `name` in `state`: THREAD_FAILED, or THREAD_NOT_RUNNING saying what it does. */
export function notRunningError(
  name: string,
  state: ThreadState,
  nextRestartAt: number | undefined,
  lastError: PlainError | undefined,
): DaebusError {
  const details = { thread: name, state };
  if (state === 'failed') {
    const cause = lastError ? `: ${lastError.message}` : '';
    return new DaebusError(ErrorCodes.THREAD_FAILED, `Thread "${name}" has failed and will not be restarted${cause}`, { details });
  }
  const why: Record<Exclude<ThreadState, 'failed'>, string> = {
    starting: 'is starting; await app.startThread() or the "start" event first',
    running: 'is running',
    stopping: 'is stopping',
    stopped: 'is stopped; start it with app.startThread()',
    backoff: `crashed and is waiting to restart${nextRestartAt ? ` (in ${Math.max(0, nextRestartAt - Date.now())} ms)` : ''}`,
    completed: 'has returned and will not be restarted',
  };
  return new DaebusError(ErrorCodes.THREAD_NOT_RUNNING, `Thread "${name}" ${why[state]}.`, { details });
}

/** The error line for a thread that enters `failed`. */
export function failureLine(
  name: string,
  why: ThreadFailedEvent['why'],
  options: ResolvedThreadOptions,
  error: PlainError | undefined,
  lastExit: ThreadExit | undefined,
): string {
  const cause = error ? `: ${error.message.replace(/\.$/, '')}` : '';
  const times = `${options.maxRestarts} time${options.maxRestarts === 1 ? '' : 's'}`;
  const what =
    why === 'crash-loop' && lastExit?.reason === 'normal'
      ? `was restarted more than ${times} within ${options.windowMs} ms, the last time after it returned without an error (a "permanent" thread is restarted whenever it ends; give a thread that may end restart: "transient")`
      : why === 'crash-loop'
        ? `${options.maxRestarts === 0 ? 'ended, and its maxRestarts is 0' : `crashed more than ${times} within ${options.windowMs} ms`}; last error${cause || `: none (exit code ${String(lastExit?.code)})`}`
        : why === 'failed-to-start'
          ? `could not start${cause || (lastExit ? ` (${lastExit.reason}, exit code ${String(lastExit.code)})` : '')}`
          : `crashed under restart policy "temporary"${cause}`;
  // with onFailure 'exit' the service stops next: no startThread to call
  const next =
    options.onFailure === 'exit'
      ? "The service stops (onFailure: 'exit'); fix the cause."
      : `Fix the cause and call app.startThread("${name}").`;
  return `Thread "${name}" failed and will not be restarted: it ${what}. ${next}`;
}

/** The log line for an exit while the service runs (stops and start failures are reported elsewhere). */
export function exitLine(
  name: string,
  exit: ThreadExit,
  options: ResolvedThreadOptions,
): { level: 'info' | 'error'; message: string } | undefined {
  switch (exit.reason) {
    case 'normal':
      return { level: 'info', message: `Thread "${name}" returned` };
    case 'crashed':
      return {
        level: 'error',
        message: exit.error ? `Thread "${name}" crashed: ${exit.error.message}` : `Thread "${name}" exited with code ${exit.code}`,
      };
    case 'out-of-memory':
      return {
        level: 'error',
        message: `Thread "${name}" ran out of memory (resourceLimits ${JSON.stringify(options.resourceLimits ?? {})})`,
      };
    case 'failed-to-start':
    case 'stopped':
      return undefined;
  }
}

/** THREAD_NOT_RUNNING for a start asked while the thread stops. */
export function stoppingError(name: string): DaebusError {
  return new DaebusError(
    ErrorCodes.THREAD_NOT_RUNNING,
    `Thread "${name}" is stopping; wait for stopThread() to finish before starting it again.`,
  );
}

/** THREAD_START_FAILED: Node refused to start the thread's worker (bad resourceLimits, for one). */
export function spawnError(name: string, err: unknown, message: string): DaebusError {
  return new DaebusError(ErrorCodes.THREAD_START_FAILED, `Thread "${name}" could not be spawned: ${message}`, { cause: err });
}

/** Why a start did not reach the thread function. */
export function startError(name: string, exit: ThreadExit): DaebusError {
  if (exit.reason === 'stopped') return new DaebusError(ErrorCodes.STOPPED, `Thread "${name}" was stopped before it started.`);
  // the thread side's message names the thread too: said once
  const because = exit.error ? `: ${exit.error.message.replace(`Thread "${name}" `, '')}` : ` (exit code ${exit.code})`;
  // the module's own error (its stack names the user's file and line), when the thread side sent it
  const cause = exit.error?.details?.cause;
  // the thread side's own code (THREAD_LOAD_FAILED); not Node's (ERR_WORKER_OUT_OF_MEMORY: the reason says it)
  const code = exit.error?.code !== undefined && isErrorCode(exit.error.code) ? exit.error.code : ErrorCodes.THREAD_START_FAILED;
  return new DaebusError(code, `Thread "${name}" ended before it started${because}`, {
    details: { thread: name, reason: exit.reason, ...(cause === undefined ? {} : { cause }) },
  });
}

/** The warning for a stall, and the error a stalled thread is ended with under `onStall: 'restart'`. */
export function stallReport(name: string, stalledForMs: number, options: ResolvedThreadOptions): { line: string; error: PlainError } {
  const what = `Thread "${name}" is stalled: no running() call and no turn of its event loop for ${stalledForMs} ms (stallTimeoutMs ${options.stallTimeoutMs})`;
  const line =
    options.onStall === 'restart'
      ? `${what}; restarting it (onStall: 'restart')`
      : `${what}; a synchronous loop should call running() (or set onStall: 'restart')`;
  return { line, error: { name: 'DaebusError', code: ErrorCodes.THREAD_STALLED, message: `${what}; ended by onStall: 'restart'` } };
}

/** The warning for a thread a stop terminates: it ignored the stop, its module was still loading (its function never ran), or it returned and waited for its stop hooks or message handlers. */
export function stopTimeoutLine(name: string, timeoutMs: number, stillLoading: boolean, finishing: string | undefined): string {
  if (stillLoading) return `Thread "${name}" was still loading its module ${timeoutMs} ms after the stop; terminating it`;
  if (finishing !== undefined)
    return `Thread "${name}" returned, but ${finishing} had not ended ${timeoutMs} ms after the stop; terminating it`;
  return (
    `Thread "${name}" did not return within ${timeoutMs} ms of the stop; terminating it. ` +
    'Its loop should check running() (while (running()) { ... }), and its waits end at the stop with t.sleep() or t.signal ' +
    '(or raise shutdownTimeoutMs if it needs longer to finish)'
  );
}

/** The warning for a terminated thread that has not ended: blocked in a native call (see TERMINATE_WAIT_MS). */
export function blockedLine(name: string, waitedMs: number): string {
  return (
    `Thread "${name}" has not ended ${waitedMs} ms after it was terminated: it is blocked in a call that termination cannot interrupt ` +
    '(a synchronous child process such as execSync or spawnSync, or another blocking native call), and ends when that call returns. ' +
    'The stop goes on without it; the process cannot exit before it ends (run() ends the process with SIGKILL). ' +
    'Use the asynchronous child_process functions in threads, with a timeout.'
  );
}

/** The line a started service logs: the threads running, and those registered that are not (autoStart: false, failed, returned). */
export function runningLine(service: string, threads: ThreadSnapshot[]): string {
  const idle = threads.filter((thread) => thread.state !== 'running');
  const count = idle.length === 0 ? `${threads.length}` : `${threads.length - idle.length} of ${threads.length}`;
  const notRunning = idle.map((thread) => `${thread.name} (${thread.state})`).join(', ');
  return `Service "${service}" running with ${count} thread(s)${idle.length === 0 ? '' : `; not running: ${notRunning}`}`;
}
