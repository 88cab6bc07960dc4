import type { PlainError } from '../../shared/errors';
import type { ExitReason } from './exit';

/** Where a thread is in its life. */
export type ThreadState =
  | 'starting' // worker spawned, module loading
  | 'running' // the thread function is running
  | 'stopping' // a stop was requested; waiting for it to return
  | 'stopped' // not running, by request (or never started)
  | 'backoff' // crashed; waiting to be restarted
  | 'failed' // given up on: crash loop, failure to start, or crash under `temporary`
  | 'completed'; // returned normally and the policy does not restart it

/** One exit of a thread's worker. */
export interface ThreadExit {
  reason: ExitReason;
  /** The worker's exit code. */
  code: number;
  /** The error that ended it, if any. */
  error?: PlainError;
  /** True when the thread ignored a stop and was terminated. */
  terminated: boolean;
  /** When it exited (ms since the epoch) and how long it had been up. */
  at: number;
  uptimeMs: number;
}

/** A copy of a thread's record, as `app.threads` returns it. */
export interface ThreadSnapshot {
  name: string;
  state: ThreadState;
  /** Restarts since the thread was last started by hand (or by the service). */
  restarts: number;
  /** When the current run reached its first line of code (ms since the epoch). */
  startedAt?: number;
  /** When the pending restart will happen (state `backoff`). */
  nextRestartAt?: number;
  /** How long the current run has been up (state `running` or `stopping`). */
  uptimeMs?: number;
  /** Set while the thread is stalled: how long since it last called `running()` or let its event loop turn. */
  stalledForMs?: number;
  /** Share of the last sampling window (about a second) the thread's event loop was busy, 0 to 1. */
  eventLoopUtilization?: number;
  /** The thread's V8 heap in use, as it last reported it. */
  heapUsedBytes?: number;
  lastExit?: ThreadExit;
  lastError?: PlainError;
}

export interface ThreadStartEvent {
  name: string;
  restarts: number;
}
export interface ThreadExitEvent extends ThreadExit {
  name: string;
}
export interface ThreadRestartEvent {
  name: string;
  /** Restart number within the current backoff sequence (1 after the first crash). */
  attempt: number;
  delayMs: number;
  at: number;
}
export interface ThreadFailedEvent {
  name: string;
  why: 'crash-loop' | 'failed-to-start' | 'crashed';
  error?: PlainError;
}
export interface ThreadStopEvent {
  name: string;
  terminated: boolean;
}

export interface ThreadStalledEvent {
  name: string;
  /** Time since the thread last called `running()` or let its event loop turn. */
  stalledForMs: number;
  /** True when `onStall: 'restart'` ends the thread (an `exit` and a `restart` follow). */
  restarting: boolean;
}
export interface ThreadUnstalledEvent {
  name: string;
  /** How long the stall lasted. */
  stalledForMs: number;
}

/** The lifecycle events of `app.on(...)`, name to listener arguments. */
export interface ThreadEvents {
  start: [ThreadStartEvent];
  exit: [ThreadExitEvent];
  restart: [ThreadRestartEvent];
  failed: [ThreadFailedEvent];
  stop: [ThreadStopEvent];
  stalled: [ThreadStalledEvent];
  unstalled: [ThreadUnstalledEvent];
}

/** What `app.stopThread` resolves with. */
export interface ThreadStopResult {
  name: string;
  /** True when the thread did not return within the timeout and was terminated. */
  terminated: boolean;
  state: ThreadState;
  /** Present when it was terminated before its module finished loading (its function never ran). */
  stillLoading?: true;
}
