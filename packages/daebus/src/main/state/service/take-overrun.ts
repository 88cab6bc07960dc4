import type { Redis } from 'ioredis';
import type { DaebusError } from '../../../shared/errors';
import { MAX_TIMEOUT_MS } from '../../../shared/validate';
import { lagTolerantTimer } from '../../support/lag-tolerant-timer';
import { stateFailure } from './state-failure';

/**
 * How long past its timeout a get/receive waits for Redis's answer before it fails with
 * TRANSPORT_ERROR: a Redis that stalls (the connection open, nothing answered) would hold it for
 * the whole stall. Its reader is then dropped, not kept: its read may never come back.
 */
export const TAKE_OVERRUN_MS = 500;

/**
 * Calls `fail` with that TRANSPORT_ERROR once a get/receive of queue `name` overran its
 * `timeoutMs`; returns the cancel, or undefined for a wait with no limit (MAX_TIMEOUT_MS). Late
 * for this process's own lag (a long synchronous run here), it gives more grace: not Redis's fault.
 */
export function takeOverrun(client: Redis, name: string, timeoutMs: number, fail: (err: DaebusError) => void): (() => void) | undefined {
  if (timeoutMs + TAKE_OVERRUN_MS > MAX_TIMEOUT_MS) return undefined;
  return lagTolerantTimer(timeoutMs + TAKE_OVERRUN_MS, TAKE_OVERRUN_MS, 2, () => {
    const late = `within ${TAKE_OVERRUN_MS} ms past the ${timeoutMs} ms timeout`;
    const why =
      client.status === 'ready'
        ? `Redis did not answer ${late} (stalled or overloaded)`
        : `the connection to Redis is down (no answer ${late})`;
    fail(stateFailure(`queue "${name}"`, new Error(why)));
  });
}
