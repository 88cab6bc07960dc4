// Shared by both sides: what travels through the work queue and what the results map holds.

/** A submitted job: the caller's payload plus the two fields submit_job adds. */
export interface Job {
  [field: string]: unknown;
  id: string;
  /** Seconds since the epoch, as Python's time.time(). */
  submitted_at: number;
}

/** What process_item makes of a job. */
export interface JobResult {
  words: number;
  characters: number;
  sha256: string;
  processed_at: number;
}

/** What the queue processor's thread gets as `t.workerData`. */
export interface QueueProcessorSettings {
  /** How long processing one item takes (simulated work). */
  processMs: number;
  /**
   * Take items with receive()/ack() (at-least-once: an item whose thread or replica dies is
   * processed again) instead of get()/taskDone() (the seed's at-most-once).
   */
  atLeastOnce: boolean;
}
