/** The parts of a thread's options that shape its restart delays. */
export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: number;
}

/**
 * Delay before restart number `attempt` (1 for the first after a crash):
 * `min(maxDelayMs, initialDelayMs * factor^(attempt-1))`, with up to `jitter` of it taken off at
 * random so that threads that crashed together do not restart together. Pure: `random` is injectable.
 */
export function restartDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** exponent);
  return Math.round(base * (1 - options.jitter * random()));
}
