import { join } from 'node:path';
import { Daebus, type Logger, type ThreadOptions } from 'daebus';

/**
 * Restart settings of the crashing thread, chosen so the backoff is easy to watch: delays of
 * about 0.25, 0.5, 1, 2, 4, 8 s (a little less, with jitter); a run of 5 s or more starts the
 * sequence over; up to 30 restarts a minute before the supervisor gives up on it.
 */
export const FLAKY_OPTIONS: ThreadOptions = {
  restart: 'transient',
  initialDelayMs: 250,
  factor: 2,
  maxDelayMs: 8_000,
  resetAfterMs: 5_000,
  maxRestarts: 30,
  windowMs: 60_000,
};

/** The demo service: a CPU-bound thread, a sleeping monitor and a thread that keeps crashing. */
export function createDemoApp(logger: Logger): Daebus {
  const app = new Daebus('demo', { logger });
  app.thread('primes', threadModule('primes'));
  app.thread('monitor', threadModule('monitor'));
  app.thread('flaky', threadModule('flaky'), FLAKY_OPTIONS);
  return app;
}

/** The built module of a thread (threads run compiled JavaScript in their worker). */
function threadModule(name: string): string {
  return join(__dirname, 'threads', `${name}.js`);
}
