/** What the connection manager's thread gets as `t.workerData`. */
export interface ConnectionManagerSettings {
  /** Where discover_hosts() asks for the current host list (see network.ts). */
  discoveryUrl: string;
  /**
   * How long one of the seed's seconds lasts, in ms: it checks every 5 s and backs off
   * min(30, retry_count * 5) s. 1000 unless a test wants it faster.
   */
  secondMs: number;
}
