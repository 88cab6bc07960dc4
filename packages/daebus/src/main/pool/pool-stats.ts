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
  /** Calls completed since the pool started. */
  completed: number;
}
