import { DaebusError, ErrorCodes } from '../../shared/errors';
import { RECONNECT_GRACE_MS } from '../support/redis-ready';
import { transportUp, type Transport } from './transport';
import { monotonicMs } from '../../shared/clock';

/** How often a send waiting for its transport looks whether it is back. */
const LOOK_EVERY_MS = 50;

/**
 * Resolves at once while `transport` is up (connected, its server answering); while it is not,
 * once it is back within `graceMs`, else rejects with TRANSPORT_ERROR saying `what` was not sent
 * (nothing was written: it cannot go out later). For what user code sends (a broadcast): before,
 * a send while Redis was down waited through ioredis's twenty reconnect tries (about 10 s) and
 * failed in ioredis's words, and one while Redis stalled waited for as long as the stall.
 */
export async function connectedWithin(transport: Transport, what: string, graceMs = RECONNECT_GRACE_MS): Promise<void> {
  if (transportUp(transport)) return;
  const deadline = monotonicMs() + graceMs;
  while (monotonicMs() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS));
    if (transportUp(transport)) return;
  }
  const why =
    (transport.isConnected?.() ?? true)
      ? `${transport.description} is connected but does not answer (a stall), and did not within ${graceMs / 1000} s.`
      : `the connection to ${transport.description} is down and did not come back within ${graceMs / 1000} s.`;
  throw new DaebusError(ErrorCodes.TRANSPORT_ERROR, `${what} was not sent: ${why}`);
}

/**
 * `publish` (sent once `connectedWithin` let it go), failed with TRANSPORT_ERROR when its server
 * does not answer within `graceMs`: Redis died or stalled after the check, and ioredis would wait
 * through its twenty reconnect tries, or a whole stall. The message was written, and may still
 * reach its receivers when Redis answers: the error says so. A transport with no server to watch
 * (in-process) is not timed.
 */
export function answeredWithin<T>(publish: Promise<T>, transport: Transport, what: string, graceMs = RECONNECT_GRACE_MS): Promise<T> {
  if (transport.answering === undefined) return publish;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const message =
        `${what} got no answer from ${transport.description} within ${graceMs / 1000} s (it went down or stalled as it was sent); ` +
        'it may still reach its receivers if Redis answers later.';
      reject(new DaebusError(ErrorCodes.TRANSPORT_ERROR, message));
    }, graceMs);
  });
  return Promise.race([publish, late]).finally(() => clearTimeout(timer));
}
