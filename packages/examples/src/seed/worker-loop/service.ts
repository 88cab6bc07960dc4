// Seed: "Use the @app.thread decorator to define a background thread" (continuous_worker).
//   node dist/seed/worker-loop/service.js
import { join } from 'node:path';
import { Daebus, type Logger } from 'daebus';

export interface CreateAppOptions {
  /** Where every record goes, the thread's included. Default: daebus's `directLogger`. */
  logger?: Logger;
}

/** The service with its one thread, ready to `run()`; tests start and stop it in-process. */
export function createApp(options: CreateAppOptions = {}): Daebus {
  const app = new Daebus('worker_loop', { logger: options.logger });
  app.thread('worker_thread', join(__dirname, 'thread.js'));
  return app;
}

if (require.main === module) {
  void createApp().run({ service: 'my_service' });
}
