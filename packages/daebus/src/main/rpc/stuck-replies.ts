import type { LinkedSet } from '../../shared/linked-set';
import type { Logger } from '../support/logger';
import { transportUp, type Transport } from '../transport/transport';
import { monotonicMs } from '../../shared/clock';
import type { Accepted } from './accepted';
import { actionCounts } from './action-counts';
import type { ActionObserver } from './observer';

/** How often a stop's drain looks whether only unsendable replies hold it. */
const LOOK_EVERY_MS = 100;

/**
 * Resolves once every request left has finished its handler and waits only for its reply to be
 * published while the transport is down, or its server does not answer (a stall): such a reply
 * cannot be sent now (the transport holds it and retries until it gives up), so it must not hold
 * a stop's drain. `stop()` ends the looking.
 */
export function onlyStuckReplies(requests: () => Accepted[], transport: Transport): { stuck: Promise<void>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      const left = requests();
      if (left.length > 0 && !transportUp(transport) && left.every((accepted) => accepted.replying)) resolve();
    }, LOOK_EVERY_MS);
    timer.unref();
  });
  return { stuck, stop: () => clearInterval(timer) };
}

/**
 * At a stop with the transport down or stalled: the finished requests whose replies wait for it
 * are let go, logged, and counted as errors (their callers get no answer from here).
 */
export function dropStuckReplies(accepted: LinkedSet<Accepted>, transport: Transport, logger: Logger, observer?: ActionObserver): void {
  const stuck = accepted.values().filter((request) => request.replying);
  if (stuck.length === 0 || transportUp(transport)) return;
  for (const request of stuck) {
    accepted.delete(request);
    observer?.settled(request.request.action, 'error', (monotonicMs() - request.acceptedHr) / 1000);
  }
  const actions = actionCounts(stuck).join(', ');
  // stalled, the connection holds them: they go out if it answers before the process ends
  const why = (transport.isConnected?.() ?? true) ? 'does not answer, so they may never be sent' : 'is unreachable, so they cannot be sent';
  logger.warn(`Dropped the replies of ${stuck.length} finished request(s) (${actions}): ${transport.description} ${why}`);
}
