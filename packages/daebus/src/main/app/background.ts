import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { checker, MAX_TIMEOUT_MS } from '../../shared/validate';
import type { TaskInfo } from '../ops/ops-view';
import type { Logger } from '../support/logger';
import { isReported } from '../support/reported';
import { monotonicMs } from '../../shared/clock';

/** What a background task runs: a function on the main thread (it may be async). */
export type BackgroundFunction = () => unknown;

/**
 * A periodic task (`app.background(name, intervalSeconds, fn)`). A run never overlaps the one
 * before: the next run is timed from the start of the last, and waits for it to finish when it
 * takes longer than the interval. An error is logged and the schedule goes on.
 */
export class BackgroundTask {
  /** The task's name. */
  readonly name: string;
  readonly #run: BackgroundFunction;
  readonly #log: Logger;
  #intervalMs: number;
  #timer?: NodeJS.Timeout;
  #current?: Promise<void>;
  #active = false;
  #paused = false;
  #lastStart = -Infinity;
  #nextAt = 0;
  /** Completed runs, failed ones included. */
  runs = 0;
  /** Runs that threw or rejected. */
  failures = 0;
  /** The message of the last run's error; undefined once a run succeeds. */
  lastError?: string;
  /** Runs in a row that failed with `lastError`. */
  #streak = 0;
  /** When a failure line was last written. */
  #saidAt = -Infinity;

  constructor(name: string, intervalSeconds: number, run: BackgroundFunction, logger: Logger) {
    this.name = name;
    this.#intervalMs = checkInterval(name, intervalSeconds) * 1000;
    this.#run = run;
    this.#log = logger.child({ task: name });
  }

  get intervalSeconds(): number {
    return this.#intervalMs / 1000;
  }

  /** Change the interval at run time; the next run is rescheduled from the last start. */
  set intervalSeconds(seconds: number) {
    this.#intervalMs = checkInterval(this.name, seconds) * 1000;
    if (this.#active && !this.#current && !this.#paused) this.#schedule();
  }

  /** When the next run is due (ms since the epoch); undefined while a run is in progress or the task is stopped. */
  get nextRunAt(): number | undefined {
    // kept on the monotonic clock (a wall clock stepped back an hour during a run held the next one an hour)
    return this.#timer === undefined ? undefined : Math.round(Date.now() + Math.max(0, this.#nextAt - monotonicMs()));
  }

  /** True while a run is in progress. */
  get busy(): boolean {
    return this.#current !== undefined;
  }

  /** True while paused (`pause()`, or the `daebus.task.pause` admin action): no new runs. */
  get paused(): boolean {
    return this.#paused;
  }

  /** What introspection shows of it. */
  info(): TaskInfo {
    const info: TaskInfo = {
      name: this.name,
      intervalSeconds: this.intervalSeconds,
      paused: this.#paused,
      busy: this.busy,
      runs: this.runs,
      failures: this.failures,
    };
    const next = this.nextRunAt;
    if (next !== undefined) info.nextRunAt = next;
    if (this.lastError !== undefined) info.lastError = this.lastError;
    return info;
  }

  /** No new runs until `resume()`; a run in progress finishes. Survives a restart of the service. */
  pause(): void {
    this.#paused = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Runs again on its schedule (at once when a run is overdue). */
  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    if (this.#active && !this.#current) this.#schedule();
  }

  /** Start the schedule (the app does, when the service starts): the first run at once with `immediately`, else after one interval. */
  start(immediately: boolean): void {
    if (this.#active) return;
    this.#active = true;
    this.#lastStart = immediately ? -Infinity : monotonicMs();
    if (!this.#paused) this.#schedule();
  }

  /** No more runs; resolves when a run in progress has finished. */
  async stop(): Promise<void> {
    this.#active = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#current;
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#nextAt = Math.max(monotonicMs(), this.#lastStart + this.#intervalMs);
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, this.#nextAt - monotonicMs())); // Node 24 warns of a negative one
  }

  #fire(): void {
    this.#timer = undefined;
    if (!this.#active || this.#paused) return;
    this.#lastStart = monotonicMs();
    // settled after this assignment, even when the task throws before its first await (as a
    // function that is not async does): a run that ended must never be taken for one in progress
    const run: Promise<void> = this.#runOnce().finally(() => {
      this.runs += 1;
      if (this.#current === run) this.#current = undefined;
      if (this.#active && !this.#paused) this.#schedule();
    });
    this.#current = run;
  }

  async #runOnce(): Promise<void> {
    try {
      await this.#run();
      this.lastError = undefined;
    } catch (err) {
      // a pooled run the stop cancelled: the stop's last line names it already, no failure
      if (!this.#active && isReported(err)) {
        this.#log.debug(`Background task "${this.name}": ${toPlainError(err).message}`);
        return;
      }
      const message = toPlainError(err).message;
      // the same failure run after run (its database is down) is said again without its stack
      const again = message === this.lastError;
      this.#streak = again ? this.#streak + 1 : 1;
      this.lastError = message;
      this.failures += 1;
      // and at most once a second: a task run every few ms logged hundreds of lines a second
      if (again && monotonicMs() - this.#saidAt < REPEAT_LINE_MS) return;
      this.#saidAt = monotonicMs();
      const failed = again ? `failed again (${this.#streak} runs in a row)` : 'failed';
      this.#log.error(
        `Background task "${this.name}" ${failed}: ${message.replace(/\.$/, '')}; it runs again in ${this.intervalSeconds} s`,
        again ? {} : { error: toPlainError(err) },
      );
    }
  }
}

/** A task failing the same way run after run says so at most this often. */
const REPEAT_LINE_MS = 1_000;

export function checkInterval(name: string, seconds: unknown): number {
  // a longer interval would not fit Node's timer, which would then fire after 1 ms; a shorter one
  // than 1 ms would run every 1 ms (Node's shortest timer), not as often as asked
  if (typeof seconds !== 'number' || !(seconds >= 0.001) || seconds * 1000 > MAX_TIMEOUT_MS) {
    checker(`Background task "${name}"`).fail(
      'intervalSeconds',
      `a number of seconds from 0.001 (1 ms, the shortest timer) to ${MAX_TIMEOUT_MS / 1000} (about 24.8 days; for a longer period, run more often and check the date)`,
      seconds,
    );
  }
  return seconds as number;
}

/** The registered background task `name`; INVALID_ARGUMENT naming the registered ones otherwise. */
export function findTask(tasks: ReadonlyMap<string, { task: BackgroundTask }>, name: string): BackgroundTask {
  const found = tasks.get(name);
  if (found) return found.task;
  const known = [...tasks.keys()];
  throw new DaebusError(
    ErrorCodes.UNKNOWN_TASK,
    `No background task named "${name}" is registered${known.length ? ` (there are: ${known.join(', ')})` : ''}.`,
  );
}
