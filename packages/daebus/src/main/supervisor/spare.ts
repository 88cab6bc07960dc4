import type { WorkerRun } from './worker-run';

/** A restart's worker is started this many times the thread's last boot time before the delay ends... */
const LEAD_FACTOR = 3;
/** ...plus this much, so that a slower boot than the last one still ends within the delay. */
const LEAD_SLACK_MS = 50;

/**
 * How long before the end of a restart delay its worker is started: the whole delay while the
 * thread's boot time is unknown, else a few boot times. A worker that waits costs only memory.
 */
function spareLeadMs(delayMs: number, bootMs: number | undefined): number {
  if (bootMs === undefined) return delayMs;
  return Math.min(delayMs, Math.ceil(LEAD_FACTOR * bootMs) + LEAD_SLACK_MS);
}

/**
 * The worker of a thread's next run, started ahead: during a restart's backoff, so that its boot
 * (Node's, the module loader's, the library's) is done when the delay ends, or while an app's
 * transport connects. It runs no user code until it is released: the thread restarts at the end
 * of its delay, not a worker boot later.
 */
export class SpareRun {
  readonly #spawn: () => WorkerRun;
  readonly #debug: (line: string) => void;
  #timer?: NodeJS.Timeout;
  /** The spare waiting for its release. */
  #run?: WorkerRun;
  /** Spares never released, waiting or ending: their exits are not the thread's. */
  readonly #unreleased = new WeakSet<WorkerRun>();

  /** `spawn` starts a held run; `debug` logs what a spare does, as the thread. */
  constructor(spawn: () => WorkerRun, debug: (line: string) => void) {
    this.#spawn = spawn;
    this.#debug = debug;
  }

  /** Plan the spare of a run due in `delayMs`, from the thread's last boot time; one at a time. */
  prepare(delayMs: number, bootMs: number | undefined): void {
    if (this.#run) return;
    this.#clearTimer();
    const wait = delayMs - spareLeadMs(delayMs, bootMs);
    if (wait <= 0) {
      this.#start();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#start();
    }, wait);
  }

  /** Hand over the waiting spare, for the caller to release; undefined if none is alive. */
  take(): WorkerRun | undefined {
    this.#clearTimer();
    const run = this.#run;
    this.#run = undefined;
    if (run) this.#unreleased.delete(run);
    return run;
  }

  /** A run booted: if it is a spare, it now waits for its release. */
  booted(run: WorkerRun): void {
    if (this.#unreleased.has(run)) this.#debug(`the worker of its next run booted in ${run.bootMs?.toFixed(1)} ms`);
  }

  /**
   * A run exited: true if it was a spare never released (dismissed, or its worker died), which
   * is forgotten; its exit is not the thread's.
   */
  ended(run: WorkerRun, code: number): boolean {
    if (!this.#unreleased.delete(run)) return false;
    if (this.#run === run) this.#run = undefined;
    this.#debug(`the worker of its next run ended (code ${code}) before it was released`);
    return true;
  }

  /** Cancel a planned spare and end a waiting one; resolves once it has exited. */
  dismiss(): Promise<void> {
    this.#clearTimer();
    const run = this.#run;
    this.#run = undefined;
    return run ? run.terminate() : Promise.resolve();
  }

  #start(): void {
    try {
      const run = this.#spawn();
      this.#unreleased.add(run);
      this.#run = run;
    } catch (err) {
      // the restart spawns its own worker when the delay ends, and reports a failure then
      this.#debug(`the worker of its next run could not be started ahead: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
