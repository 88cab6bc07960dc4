import { DaebusError, ErrorCodes } from '../../shared/errors';
import { RECONNECT_GRACE_MS } from '../support/redis-ready';
import { settlesWithin } from '../support/timers';
import type { Transport } from './transport';

/**
 * Resolves at once while `transport` is connected; while it is not, once it is back within
 * `graceMs`, else rejects with TRANSPORT_ERROR saying `what` was not sent. For what user code
 * sends (a broadcast): without it, a send while Redis is down waited through ioredis's twenty
 * reconnect tries (about 10 s) and failed with ioredis's own words.
 */
export async function connectedWithin(transport: Transport, what: string, graceMs = RECONNECT_GRACE_MS): Promise<void> {
  if (transport.isConnected?.() ?? true) return;
  if (transport.whenReady !== undefined && (await settlesWithin(transport.whenReady(), graceMs))) return;
  throw new DaebusError(
    ErrorCodes.TRANSPORT_ERROR,
    `${what} was not sent: the connection to ${transport.description} is down and did not come back within ${graceMs / 1000} s.`,
  );
}
