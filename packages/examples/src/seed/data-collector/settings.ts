/** What the data collector's thread gets as `t.workerData`. */
export interface DataCollectorSettings {
  /** Where fetch_external_data() gets new data (the example's local data source, data-source.ts). */
  url: string;
  /** Time between collections: the seed's time.sleep(10). */
  intervalMs: number;
  /** Sleep after an error: the seed's time.sleep(30). */
  errorDelayMs: number;
}
