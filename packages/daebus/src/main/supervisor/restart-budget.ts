import { restartDelay } from './backoff';
import type { ResolvedThreadOptions } from './thread-options';
import { monotonicMs } from '../../shared/clock';

type BudgetOptions = Pick<
  ResolvedThreadOptions,
  'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter' | 'resetAfterMs' | 'maxRestarts' | 'windowMs'
>;

/**
 * A thread's restarts: the position in the backoff sequence (reset after a run that lasted
 * `resetAfterMs`) and the restarts within the last `windowMs`, which may not exceed
 * `maxRestarts` (the intensity limit of Erlang's supervisors).
 */
export class RestartBudget {
  /** Restarts since the budget was last reset. */
  restarts = 0;
  /** Position in the backoff sequence. */
  #attempt = 0;
  #times: number[] = [];
  readonly #options: BudgetOptions;
  readonly #random: () => number;

  constructor(options: BudgetOptions, random: () => number) {
    this.#options = options;
    this.#random = random;
  }

  /** A fresh budget (a start by hand or by the service). */
  reset(): void {
    this.restarts = 0;
    this.#attempt = 0;
    this.#times = [];
  }

  /**
   * Take one restart after a run of `uptimeMs` that ended at `now` (the monotonic clock: a wall
   * clock stepped back an hour kept every restart of that hour in the window): its attempt number
   * and delay, or undefined when the intensity limit is reached (the thread has failed).
   */
  take(uptimeMs: number, now = monotonicMs()): { attempt: number; delayMs: number } | undefined {
    const { windowMs, maxRestarts, resetAfterMs } = this.#options;
    this.#times = this.#times.filter((t) => now - t < windowMs);
    if (this.#times.length >= maxRestarts) return undefined;
    if (uptimeMs >= resetAfterMs) this.#attempt = 0;
    this.#attempt += 1;
    this.restarts += 1;
    this.#times.push(now);
    return { attempt: this.#attempt, delayMs: restartDelay(this.#attempt, this.#options, this.#random) };
  }
}
