import type { Logger } from '../support/logger';
import type { Transport } from '../transport/transport';
import { formatDuration } from '../ops/units';
import { refusalAdvice } from '../transport/start-refusal';

/**
 * A service says in its log when its connection to Redis drops and when it is back: without it,
 * the only sign of an outage was requests failing on the callers' side. The transport reports a
 * drop once per outage.
 */
export function logOutages(transport: Transport, service: string, logger: Logger, closed: () => boolean): void {
  transport.onDisconnect?.((reason) => {
    if (closed()) return;
    logger.warn(
      `${reason} Service "${service}" gets no requests until it is back (pub/sub keeps nothing: those published meanwhile are lost); reconnecting.`,
    );
    void transport.whenReady?.().then(() => {
      if (!closed()) logger.info(`Connected to Redis at ${transport.description} again: service "${service}" takes requests`);
    });
  });
  // a Redis user whose channel permissions changed: Redis closed its connections, and refuses the channels now
  transport.onRefused?.((err) => {
    if (closed()) return;
    logger.warn(
      `Redis at ${transport.description} refused to subscribe service "${service}" to its channels again after the connection came back: ` +
        `${err.message.replace(/\.$/, '')}.${refusalAdvice(err.message)} It gets no requests until Redis takes them (tried again every second).`,
    );
  });
  // a stall leaves the connections open: only the probe's PINGs show it, and readiness follows them
  transport.onSilence?.((silentForMs, forMs) => {
    if (closed()) return;
    if (silentForMs !== undefined)
      logger.warn(
        `Redis at ${transport.description} has not answered for ${formatDuration(silentForMs)} though connected: service "${service}" reports ` +
          'itself not ready, and its requests and replies wait, until Redis answers again.',
      );
    else logger.info(`Redis at ${transport.description} answers again after ${formatDuration(forMs)} (service "${service}")`);
  });
}
