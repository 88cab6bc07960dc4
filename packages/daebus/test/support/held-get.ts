import { Daebus } from 'daebus';
import { captureLogger, fixture } from './helpers';

/**
 * An app with the service-wide queue "jobs" whose thread "spinner" asks it for an item and never
 * reads the answer (fixtures/holds-a-get.mjs): the item is held for the thread until it ends. It
 * sets "waiting" in the map "signals" once it has asked.
 */
export function appHoldingAGet(name: string): Daebus {
  const app = new Daebus(name, { logger: captureLogger().logger });
  app.queue('jobs', { scope: 'service' });
  app.map('signals');
  app.thread('spinner', fixture('holds-a-get.mjs'), { restart: 'temporary', stallTimeoutMs: 0, shutdownTimeoutMs: 200 });
  return app;
}
