/** What the API monitor's thread gets as `t.workerData`. */
export interface ApiMonitorSettings {
  /** API endpoints to monitor: name -> health URL (the seed's `endpoints`). */
  endpoints: Record<string, string>;
  /** Timeout of one check: the seed's requests.get(url, timeout=5). */
  timeoutMs: number;
  /** Time between check cycles: the seed's time.sleep(30). */
  intervalMs: number;
  /** Where each cycle's summary is broadcast. */
  statusChannel: string;
}

/** One API's entry in the shared `api_status` map, as the seed builds it. */
export type ApiStatus =
  | { status: 'up' | 'degraded'; status_code: number; latency_ms: number; checked_at: number }
  | { status: 'down'; error: string; checked_at: number };

/** What the thread broadcasts on the status channel after each check cycle. */
export interface StatusSummary {
  source: string;
  apis: Record<string, ApiStatus['status']>;
  up: number;
  degraded: number;
  down: number;
  checked_at: number;
}
