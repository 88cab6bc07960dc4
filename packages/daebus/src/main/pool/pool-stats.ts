/** A pool's load: `utilization` is piscina's (time running tasks over the capacity of its workers, 0..1). */
export interface PoolStats {
  /** The most workers the pool runs (the app's `maxWorkers`). */
  maxWorkers: number;
  /** Workers running now. */
  threads: number;
  /** Calls running on a worker now (at most `threads`). */
  running: number;
  /** Calls waiting for a worker. */
  queued: number;
  /** piscina's `utilization`: the share of the pool's capacity spent running calls, 0 to 1. */
  utilization: number;
  /** Calls completed since the pool started. */
  completed: number;
}
