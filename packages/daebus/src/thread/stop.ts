import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';
import { RUN, RUN_SLOT } from '../shared/flags';
import type { ThreadLogger } from './log';

/** What `t.onStop(fn)` runs; a promise it returns is awaited before the worker ends. */
export type StopHook = () => void | Promise<void>;

/**
 * How a stop reaches a thread's `t.signal` and `t.onStop` hooks. The flag is the truth, and
 * whoever sees it first calls `notice`: a read of `t.signal`, `t.onStop`, a sleep that reports
 * the stop, the main side's `stop` message (for a thread parked in I/O), or the function's
 * return. So `t.signal.aborted` agrees with `running()` (which stays branch-free, running.ts).
 * The hooks run at the next turn of the event loop, not inside the thread's own code, and at the
 * latest when the function returns: the worker ends only once they have all settled.
 */
export class ThreadStop {
  readonly #flags: Int32Array;
  readonly #log: ThreadLogger;
  readonly #controller = new AbortController();
  readonly #hooks: StopHook[] = [];
  readonly #running: Promise<void>[] = [];
  /** Hooks started and not settled yet. */
  #pending = 0;
  #started = false;

  constructor(flags: Int32Array, log: ThreadLogger) {
    this.#flags = flags;
    this.#log = log;
  }

  /** The thread's signal, aborted first if the flag already says stop. */
  get signal(): AbortSignal {
    this.poll();
    return this.#controller.signal;
  }

  /** A stop was seen: abort the signal (its listeners run now, as `abort()` runs them) and schedule the hooks. */
  notice(): void {
    if (this.#controller.signal.aborted) return;
    this.#controller.abort();
    setImmediate(() => this.#start());
  }

  /** Notice the stop if the flag asks for one; true when a stop was requested. */
  poll(): boolean {
    if (Atomics.load(this.#flags, RUN_SLOT) !== RUN) this.notice();
    return this.#controller.signal.aborted;
  }

  /** Register a hook; once the hooks have started it runs at once. */
  add(fn: StopHook): void {
    if (typeof fn !== 'function') throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, 't.onStop(fn): fn must be a function.');
    this.poll();
    if (this.#started) this.#running.push(this.#run(fn));
    else this.#hooks.push(fn);
  }

  /** The function returned: after a stop, run what is left of the hooks and wait for them all (`waiting` told of those under way). */
  async finish(waiting: (what: string) => void): Promise<void> {
    if (!this.poll()) return; // ended on its own: stop hooks are for stops only
    this.#start();
    if (this.#pending > 0) waiting(`${this.#pending} t.onStop hook(s)`);
    // a hook may register another: read the length anew each time
    for (let i = 0; i < this.#running.length; i++) await this.#running[i];
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const fn of this.#hooks.splice(0)) this.#running.push(this.#run(fn));
  }

  /** One hook: started at once, its error logged, never thrown. */
  async #run(fn: StopHook): Promise<void> {
    this.#pending += 1;
    try {
      await fn();
    } catch (err) {
      const error = toPlainError(err);
      this.#log.error(`A t.onStop hook threw: ${error.message}`, { error });
    } finally {
      this.#pending -= 1;
    }
  }
}
