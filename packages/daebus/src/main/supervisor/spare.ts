import type { WorkerRun } from './worker-run';

/** A restart's worker is started this many times the thread's last boot time before the delay ends... */
const LEAD_FACTOR = 3;
/** ...plus this much, so that a slower boot than the last one still ends within the delay. */
const LEAD_SLACK_MS = 50;

/**
 * How long before the end of a restart delay its worker is started: the whole delay while the
 * thread's boot time is unknown, else a few boot times. A worker that waits costs only memory.
 */
export function spareLeadMs(delayMs: number, bootMs: number | undefined): number {
  if (bootMs === undefined) return delayMs;
  return Math.min(delayMs, Math.ceil(LEAD_FACTOR * bootMs) + LEAD_SLACK_MS);
}

/**
 * The worker of a thread's next restart, started during the backoff so that its boot (Node's,
 * the module loader's, the library's) is done when the delay ends. It runs no user code until it
 * is released: the thread restarts at the end of its delay, not a worker boot later.
 */
export class RestartSpare {
  readonly #spawn: () => WorkerRun;
  readonly #onSpawnError: (err: unknown) => void;
  #timer?: NodeJS.Timeout;
  /** The spare waiting for its release. */
  #run?: WorkerRun;
  /** Spares never released, waiting or ending: their exits are not the thread's. */
  readonly #unreleased = new WeakSet<WorkerRun>();

  /** `spawn` starts a held run; a spare that cannot be spawned is only reported: the restart spawns its own. */
  constructor(spawn: () => WorkerRun, onSpawnError: (err: unknown) => void) {
    this.#spawn = spawn;
    this.#onSpawnError = onSpawnError;
  }

  /** Plan the spare of a restart due in `delayMs`, from the thread's last boot time. */
  prepare(delayMs: number, bootMs: number | undefined): void {
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

  /** True for a spare that was never released (waiting, or started before it ended). */
  holds(run: WorkerRun): boolean {
    return this.#unreleased.has(run);
  }

  /** A spare ended before its release (dismissed, or its worker died): forget it. */
  ended(run: WorkerRun): void {
    this.#unreleased.delete(run);
    if (this.#run === run) this.#run = undefined;
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
      this.#onSpawnError(err);
    }
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
