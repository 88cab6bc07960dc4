import type { PlainError } from '../../shared/errors';
import type { ThreadEntrySpec } from '../../shared/protocol/thread';
import type { Logger } from '../support/logger';
import type { ResolvedThreadOptions } from './thread-options';

/**
 * One run of a thread as its runner sees it: a worker started for one start or restart, with
 * its own flag buffer and channel. The runner's state machine talks only to this interface, so
 * it can be driven by a stand-in in unit tests.
 */
export interface WorkerRun {
  /** When the thread function started (it reached `ready`): the wall clock's time, for the reports. */
  readonly readyAt: number | undefined;
  /** The same moment on the monotonic clock, for durations (a wall clock step moves none). */
  readonly readyMonoMs: number | undefined;
  /** Milliseconds from the spawn to the worker's `booted` (before any user code), once it booted. */
  readonly bootMs: number | undefined;
  /** What the thread, its function returned, still waited for when it last said (its stop hooks, message handlers). */
  readonly finishing: string | undefined;
  /** The error the worker died of, if any. */
  readonly error: PlainError | undefined;
  readonly stopRequested: boolean;
  /** True when the run was ended with `terminate()`. */
  readonly terminated: boolean;
  /** Resolves once the worker has exited and `onExit` ran. */
  readonly exited: Promise<void>;
  /** Let a held run (RunSpec.held) load and run its thread. */
  release(): void;
  /** Clear the run flag (waking sleeps), end queue waits, abort `t.signal`. */
  requestStop(): void;
  /** End the worker now; resolves once it has exited. */
  terminate(): Promise<void>;
  /** Ask the thread's `t.on(type)` handler; rejects on timeout, its error, or the thread's end. */
  request(type: string, payload: unknown, timeoutMs: number): Promise<unknown>;
  post(type: string, payload: unknown): void;
  /** Read and reset the heartbeat; read the event-loop use since the last probe and the heap. */
  probe(): RunProbe;
  /** End the worker now as a crash with `error` (a stalled thread the policy restarts). */
  abort(error: PlainError): void;
}

/** One sample of a run, taken from the main side. */
export interface RunProbe {
  /** The thread called `running()`, let its event loop turn, or slept in `sleepSync` since the last probe. */
  alive: boolean;
  /** Share of the time since the last probe the thread's event loop was busy, 0 to 1. */
  eventLoopUtilization?: number;
  heapUsedBytes?: number;
}

/** What a run reports to its runner. */
export interface RunEvents {
  /** The worker booted; `run.bootMs` is set. */
  onBooted(run: WorkerRun): void;
  onReady(run: WorkerRun): void;
  /** The worker ended with `code`; `run.error` is set when it died of an error. */
  onExit(run: WorkerRun, code: number): void;
}

export interface RunSpec {
  name: string;
  entry: ThreadEntrySpec;
  options: ResolvedThreadOptions;
  /** How many restarts came before this run (`t.restarts`). */
  restarts: number;
  /** The thread's logger (its records and the worker's). */
  log: Logger;
  /** Boot, then wait for `release()` before loading the user's module (a spare: supervisor/spare.ts). */
  held: boolean;
}

/** Start a run; throws when Node refuses to start a worker (bad resourceLimits, for one). */
export type SpawnRun = (spec: RunSpec, events: RunEvents) => WorkerRun;
