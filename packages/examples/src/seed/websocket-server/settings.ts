/** What the feed's thread gets as `t.workerData`. */
export interface DataFeedSettings {
  /** Where new readings come from (the data collector's local data source). */
  url: string;
  /** Time between collections (the data collector's 10 s). */
  intervalMs: number;
  /** Sleep after a failed collection (the data collector's 30 s). */
  errorDelayMs: number;
}

/** The shared map the thread writes and the routes read, as in the data collector. */
export const SHARED_DATA = 'shared_data';
/** The type of the frames pushed to WebSocket clients after each collection. */
export const UPDATE_TYPE = 'update';
