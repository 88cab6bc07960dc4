import { withoutUndefined } from '../../shared/validate';
import { DEFAULT_THREAD_OPTIONS } from './thread-options';

/** The parts of a thread's options that shape its restart delays. */
export interface BackoffOptions {
  /** Delay before the first restart, in ms (the thread option's default: 100). */
  initialDelayMs: number;
  /** Longest delay, in ms (default 30 000). */
  maxDelayMs: number;
  /** Growth of the delay from one restart to the next (default 2). */
  factor: number;
  /** Share of each delay taken off at random, 0 to 1 (default 0.1). */
  jitter: number;
}

const BACKOFF_DEFAULTS: BackoffOptions = {
  initialDelayMs: DEFAULT_THREAD_OPTIONS.initialDelayMs,
  maxDelayMs: DEFAULT_THREAD_OPTIONS.maxDelayMs,
  factor: DEFAULT_THREAD_OPTIONS.factor,
  jitter: DEFAULT_THREAD_OPTIONS.jitter,
};

/**
 * Delay before restart number `attempt` (1 for the first after a crash):
 * `min(maxDelayMs, initialDelayMs * factor^(attempt-1))`, with up to `jitter` of it taken off at
 * random so that threads that crashed together do not restart together. Pure: `random` is injectable.
 */
export function restartDelay(attempt: number, options: Partial<BackoffOptions> = {}, random: () => number = Math.random): number {
  // those left out are the thread options' defaults
  const { initialDelayMs, maxDelayMs, factor, jitter } = { ...BACKOFF_DEFAULTS, ...withoutUndefined(options) };
  const exponent = Math.max(0, attempt - 1);
  // no delay to grow (0 * Infinity, once factor ** exponent overflows, is NaN)
  const base = initialDelayMs === 0 ? 0 : Math.min(maxDelayMs, initialDelayMs * factor ** exponent);
  return Math.round(base * (1 - jitter * random()));
}
