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
  /** Why it ended: `normal`, `stopped`, `crashed`, `out-of-memory` or `failed-to-start`. */
  reason: ExitReason;
  /** The worker's exit code. */
  code: number;
  /** The error that ended it, if any. */
  error?: PlainError;
  /** True when the thread ignored a stop and was terminated. */
  terminated: boolean;
  /** When it exited (ms since the epoch). */
  at: number;
  /** How long its function had run, in ms (0 when it never started). */
  uptimeMs: number;
}

/** A copy of a thread's record, as `app.threads` returns it. */
export interface ThreadSnapshot {
  /** The thread's name. */
  name: string;
  /** Where it is in its life now. */
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
  /** Its last exit, once it has exited. */
  lastExit?: ThreadExit;
  /** The error of the last run that ended with one (kept when it runs again). */
  lastError?: PlainError;
}

/** The `start` event's argument. */
export interface ThreadStartEvent {
  /** The thread's name. */
  name: string;
  /** Restarts since the thread was last started by hand (or by the service). */
  restarts: number;
}
/** The `exit` event's argument: the exit record and the thread's name. */
export interface ThreadExitEvent extends ThreadExit {
  /** The thread's name. */
  name: string;
}
/** The `restart` event's argument: a restart is scheduled. */
export interface ThreadRestartEvent {
  /** The thread's name. */
  name: string;
  /** Restart number within the current backoff sequence (1 after the first crash). */
  attempt: number;
  /** The backoff delay before the restart, in ms. */
  delayMs: number;
  /** When the restart will happen (ms since the epoch). */
  at: number;
}
/** The `failed` event's argument: the supervisor gave up on the thread. */
export interface ThreadFailedEvent {
  /** The thread's name. */
  name: string;
  /** `crash-loop` (more than `maxRestarts` within `windowMs`), `failed-to-start`, or `crashed` (a crash its policy does not restart). */
  why: 'crash-loop' | 'failed-to-start' | 'crashed';
  /** The error that ended its last run, if any. */
  error?: PlainError;
}
/** The `stop` event's argument. */
export interface ThreadStopEvent {
  /** The thread's name. */
  name: string;
  /** True when it ignored the stop and was terminated. */
  terminated: boolean;
}

/** The `stalled` event's argument. */
export interface ThreadStalledEvent {
  /** The thread's name. */
  name: string;
  /** Time since the thread last called `running()` or let its event loop turn. */
  stalledForMs: number;
  /** True when `onStall: 'restart'` ends the thread (an `exit` and a `restart` follow). */
  restarting: boolean;
}
/** The `unstalled` event's argument: a stalled thread runs again. */
export interface ThreadUnstalledEvent {
  /** The thread's name. */
  name: string;
  /** How long the stall lasted. */
  stalledForMs: number;
}

/** The lifecycle events of `app.on(...)`, name to listener arguments. */
export interface ThreadEvents {
  /** A thread's function started running (a start or a restart). */
  start: [ThreadStartEvent];
  /** A thread's worker exited, for any reason. */
  exit: [ThreadExitEvent];
  /** A thread exited and its restart is scheduled, after the backoff delay. */
  restart: [ThreadRestartEvent];
  /** The supervisor gave up on a thread (state `failed`). */
  failed: [ThreadFailedEvent];
  /** A thread stopped: asked to, or as the service stops. */
  stop: [ThreadStopEvent];
  /** A thread has neither called `running()` nor let its event loop turn for `stallTimeoutMs`. */
  stalled: [ThreadStalledEvent];
  /** A stalled thread runs again. */
  unstalled: [ThreadUnstalledEvent];
}

/** What `app.stopThread` resolves with. */
export interface ThreadStopResult {
  /** The thread's name. */
  name: string;
  /** True when the thread did not return within the timeout and was terminated. */
  terminated: boolean;
  /** Its state once the stop is done. */
  state: ThreadState;
  /** Present when it was terminated before its module finished loading (its function never ran). */
  stillLoading?: true;
  /** Present when it was terminated after its function returned, waiting for its stop hooks or message handlers. */
  returned?: true;
  /**
   * Present when it had not ended 1 s after it was terminated: it is blocked in a call that
   * termination cannot interrupt (a synchronous child process such as `execSync`), and ends when
   * that call returns. The process cannot exit before then: `run()` ends it with SIGKILL.
   */
  blocked?: true;
}
