import type { Accepted } from './accepted';

/** How often a stop's drain looks whether only unsendable replies hold it. */
const LOOK_EVERY_MS = 100;

/**
 * Resolves once every request left has finished its handler and waits only for its reply to be
 * published while the transport is down: such a reply cannot be sent (the transport holds it and
 * retries until it gives up), so it must not hold a stop's drain. `stop()` ends the looking.
 */
export function onlyStuckReplies(requests: () => Accepted[], connected: () => boolean): { stuck: Promise<void>; stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<void>((resolve) => {
    timer = setInterval(() => {
      const left = requests();
      if (left.length > 0 && !connected() && left.every((accepted) => accepted.replying)) resolve();
    }, LOOK_EVERY_MS);
    timer.unref();
  });
  return { stuck, stop: () => clearInterval(timer) };
}
