import type { Redis } from 'ioredis';
import type { Logger } from '../support/logger';
import { SubscriberWatch } from '../support/subscriber-watch';

/**
 * The replica holding the lease on the service's pub/sub channel should be its only subscriber.
 * Another one (a Python Daebus service of the same name, a copy of this service started without
 * replicas) runs every request published there too. Looked at every `everyMs` while this replica
 * holds the lease (start and stop follow the lease); said when seen twice in a row, and again
 * after it was gone and came back, or more came.
 */
export function channelCompany(init: {
  client: Redis;
  service: string;
  log: Logger;
  everyMs: number;
  /** Renews the lease and says whether this replica still holds it. */
  stillHolds: () => Promise<boolean>;
}): SubscriberWatch {
  const { service, log } = init;
  return new SubscriberWatch(init.client, service, init.everyMs, async (others) => {
    // the other may be the replica that took the lease from this one (which, reconnected, is
    // subscribed again until its next renewal fails): that renewal first
    if (!(await init.stillHolds().catch(() => false))) return false;
    log.warn(
      `${others} other connection${others === 1 ? '' : 's'} subscribe${others === 1 ? 's' : ''} to channel "${service}", ` +
        'which only the replica taking its requests in should: a Python Daebus service of that name, or a copy of this ' +
        'service started without the replicas option (in any database of this Redis server: channels are server-wide), runs every ' +
        'request published there too, so those requests run twice. ' +
        'Stop it, or start it with replicas too. (A replica of this service that stalled while it held the lease stays ' +
        'subscribed until it wakes, and runs nothing; a `daebus listen` on the channel counts too.)',
      { service, subscribers: others + 1 },
    );
    return true;
  });
}
