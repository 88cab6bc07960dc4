import type { TransportChoice } from '../transport/resolve';

/** What a caller does with a request made while its transport is disconnected. */
export type OfflineBehaviour = 'fail' | 'queue';

export interface CallerOptions extends TransportChoice {
  /** Default time to wait for a final reply, counted from the call. Default 5 000 ms (as Python Daebus). */
  timeoutMs?: number;
  /**
   * While the connection is down: `fail` rejects a request at once with TRANSPORT_ERROR (the
   * default); `queue` holds it until the connection is back and a service listens, within its
   * timeout. Either way a request reaches a service at most once, and is never sent after it
   * failed or timed out.
   */
  offline?: OfflineBehaviour;
  /**
   * Send requests to a replicated service through its durable stream, so that they survive the
   * death of the replica that takes them: `'auto'` (the default) does so whenever the service
   * runs replicas on this Redis, `true` always (Redis only), `false` never (pub/sub, as Python
   * Daebus does: at-most-once).
   */
  durable?: boolean | 'auto';
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Called with the payload of each streamed (`final: false`) message before the final one. */
  onProgress?: (payload: unknown) => void;
}

export const DEFAULT_CALLER_TIMEOUT_MS = 5_000;
