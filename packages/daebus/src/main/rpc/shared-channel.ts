import type { Logger } from '../support/logger';
import { SubscriberWatch } from '../support/subscriber-watch';
import { settlesWithin } from '../support/timers';
import { MemoryTransport } from '../transport/memory';
import type { Transport } from '../transport/transport';

/** The check never holds a start up longer than this. */
const CHECK_LIMIT_MS = 1_000;
/** How often a service on Redis looks again: a copy, or a Python Daebus service, started after it is seen too. */
export const WATCH_MS = 10_000;

/**
 * Warn when another connection subscribes to the service's channel too: without replicas, every
 * process (or app) on that channel runs every request, so two copies of a service double its side
 * effects. On Redis one command (PUBSUB NUMSUB), at the start and every `everyMs` after (a
 * subscriber that came later is said when seen twice in a row); on the memory transport its
 * broker counts, at the start. It never fails the start. Resolves with what stops the watch.
 */
export async function watchChannelShared(transport: Transport, service: string, logger: Logger, everyMs = WATCH_MS): Promise<() => void> {
  if (transport instanceof MemoryTransport) {
    // this app's own subscription is counted too
    warnInProcess(transport.subscribers(service) - 1, service, logger);
    return () => undefined;
  }
  const client = transport.cache?.();
  if (!client) return () => undefined;
  const watch = new SubscriberWatch(client, service, everyMs, (others) => {
    warnShared(logger, transport, service, others, 'now subscribe');
    return true;
  });
  let known = 0;
  const first = watch.others().then((others) => {
    if (!(others > 0)) return;
    known = others;
    warnShared(logger, transport, service, others, 'already subscribe');
  });
  await settlesWithin(
    first.catch(() => undefined),
    CHECK_LIMIT_MS,
  );
  watch.start(known);
  return () => watch.stop();
}

function warnShared(logger: Logger, transport: Transport, service: string, others: number, verb: string): void {
  logger.warn(
    `${others} other connection${others === 1 ? '' : 's'} on ${transport.description} ${verb}${others === 1 ? 's' : ''} to channel "${service}": ` +
      `if another process runs service "${service}" too (a copy of this one, or a Python Daebus service of that name, in any database of this Redis server: channels are server-wide), every request ` +
      'runs in each of them. To share the requests between copies of this service, start every copy with the replicas option ' +
      '(app.run({ service, redis, replicas: true })), so that each request runs once; otherwise give each its own service name. ' +
      '(A `daebus listen` on the channel counts too.)',
    { service, subscribers: others + 1 },
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
