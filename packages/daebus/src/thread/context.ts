import { createRunning, sleep, sleepSync } from './running';
import type { ThreadLogger } from './log';

/**
 * The second argument of a thread function: everything a thread needs from the framework.
 * Made once per thread start by the runtime.
 */
export class ThreadContext {
  /** The name the thread was registered under. */
  readonly name: string;
  /** The `workerData` option given at registration (structured-cloned). */
  readonly workerData: unknown;
  /** How many times the supervisor restarted this thread before this start (0 on the first). */
  readonly restarts: number;
  /** Log records go to the main side's logger with the thread's name attached. */
  readonly log: ThreadLogger;
  /** Same as the first argument of the thread function. */
  readonly running: () => boolean;
  /**
   * Aborted when a stop is requested: hand it to anything that waits on I/O (fetch, sockets,
   * `events.once`) so the wait ends with the stop.
   */
  readonly signal: AbortSignal;

  readonly #flags: Int32Array;

  constructor(init: { name: string; workerData: unknown; restarts: number; log: ThreadLogger; flags: Int32Array; signal: AbortSignal }) {
    this.name = init.name;
    this.workerData = init.workerData;
    this.restarts = init.restarts;
    this.log = init.log;
    this.#flags = init.flags;
    this.running = createRunning(init.flags);
    this.signal = init.signal;
  }

  /**
   * Wait `ms` milliseconds without blocking the thread's event loop; returns early, at once,
   * when the thread is asked to stop. Resolves `true` while the thread should keep running.
   */
  sleep(ms: number): Promise<boolean> {
    return sleep(this.#flags, ms);
  }

  /**
   * Block the thread for `ms` milliseconds (for synchronous, CPU-bound code); returns early, at
   * once, when the thread is asked to stop. Returns `true` while the thread should keep running.
   */
  sleepSync(ms: number): boolean {
    return sleepSync(this.#flags, ms);
  }

  /** Run `fn` once when a stop is requested (at once if one already was). */
  onStop(fn: () => void): void {
    if (this.signal.aborted) fn();
    else this.signal.addEventListener('abort', () => fn(), { once: true });
  }
}
