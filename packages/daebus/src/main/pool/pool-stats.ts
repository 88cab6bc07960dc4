/** A pool's load now. */
export interface PoolStats {
  /** The most workers the pool runs (the app's `maxWorkers`). */
  maxWorkers: number;
  /** Workers running now. */
  threads: number;
  /** Calls running on a worker now (at most `threads`). */
  running: number;
  /** Calls waiting for a worker. */
  queued: number;
  /** The share of the pool's capacity in use now: `running` over `maxWorkers`, 0 to 1. */
  utilization: number;
  /** Calls completed since the pool started (answered by their handler, failed or timed out as they ran; not those dropped unrun). */
  completed: number;
}

/**
 * The stats of a pool with `calls` running or queued (`pool` undefined: not started yet, all
 * zeros), where `notRuns` of the tasks piscina completed ran no call (skipped, or handed out again).
 */
export function poolStats(
  maxWorkers: number,
  calls: number,
  pool: { queueSize: number; threads: unknown[]; completed: number } | undefined,
  notRuns = 0,
): PoolStats {
  const queued = pool?.queueSize ?? 0;
  // the pool's table holds the calls queued in piscina too
  const running = Math.max(0, calls - queued);
  return {
    maxWorkers,
    threads: pool?.threads.length ?? 0,
    running,
    queued,
    // not piscina's utilization: a lifetime average, and a thousand times too small (piscina 5.3)
    utilization: Math.min(1, running / maxWorkers),
    completed: Math.max(0, (pool?.completed ?? 0) - notRuns),
  };
}
