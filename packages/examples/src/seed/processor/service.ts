// Seed: "This allows your thread to gracefully exit when the service is stopping" (data_processor).
//   node dist/seed/processor/service.js
import { join } from 'node:path';
import { Daebus, type Logger } from 'daebus';

export interface CreateAppOptions {
  /** Where every record goes, the thread's included. Default: daebus's `directLogger`. */
  logger?: Logger;
}

/** The service with its one thread, ready to `run()`; tests start and stop it in-process. */
export function createApp(options: CreateAppOptions = {}): Daebus {
  const app = new Daebus('processor', { logger: options.logger });
  app.thread('processor', join(__dirname, 'thread.js'));
  return app;
}

if (require.main === module) {
  void createApp().run({ service: 'processor' });
}
