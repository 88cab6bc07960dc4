import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import { MemoryTransport } from '../transport/memory';
import type { Transport } from '../transport/transport';

/** The check never holds a start up longer than this. */
const CHECK_LIMIT_MS = 1_000;

/**
 * Warn when another connection subscribes to the service's channel too: without replicas, every
 * process (or app) on that channel runs every request, so two copies of a service double its side
 * effects. On Redis one command (PUBSUB NUMSUB); on the memory transport its broker counts. It
 * never fails the start.
 */
export async function warnIfChannelShared(transport: Transport, service: string, logger: Logger): Promise<void> {
  if (transport instanceof MemoryTransport) {
    // this app's own subscription is counted too
    warnInProcess(transport.subscribers(service) - 1, service, logger);
    return;
  }
  const client = transport.cache?.();
  if (!client) return;
  const check = async (): Promise<void> => {
    const reply = (await client.pubsub('NUMSUB', service)) as unknown[];
    // this service's own subscription is counted too
    const others = Number(reply[1]) - 1;
    if (!(others > 0)) return;
    logger.warn(
      `${others} other connection${others === 1 ? '' : 's'} on ${transport.description} already subscribe${others === 1 ? 's' : ''} to channel "${service}": ` +
        `if another process runs service "${service}" too, every request runs in each of them. To share the requests, start every ` +
        'copy with the replicas option (app.run({ service, redis, replicas: true })), so that each request runs once; ' +
        'otherwise give each its own service name. (A `daebus listen` on the channel counts too.)',
      { service, subscribers: others + 1 },
    );
  };
  await settlesWithin(
    check().catch(() => undefined),
    CHECK_LIMIT_MS,
  );
}

function warnInProcess(others: number, service: string, logger: Logger): void {
  if (!(others > 0)) return;
  logger.warn(
    `${others} other app${others === 1 ? '' : 's'} in this process already subscribe${others === 1 ? 's' : ''} to channel "${service}" ` +
      `on the memory transport: if another app serves "${service}" too, every request runs in each of them. Give each app its own ` +
      'service name, or each its own broker (transport: new MemoryTransport(new MemoryBroker()), as for tests that run side by side). ' +
      '(An app that listens to the channel with app.listen counts too.)',
    { service, subscribers: others + 1 },
  );
}
