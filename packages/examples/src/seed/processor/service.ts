// Seed: "This allows your thread to gracefully exit when the service is stopping" (data_processor).
//   node dist/seed/processor/service.js
import { join } from 'node:path';
import { Daebus, directLogger, type Logger } from 'daebus';
import { startSelfClient } from '../../shared/self-client';
import { threadStatus } from '../../shared/thread-status';

export interface CreateAppOptions {
  /** Where every record goes, the thread's included. Default: daebus's `directLogger`. */
  logger?: Logger;
}

/** The service with its one thread, ready to `run()`; tests start and stop it in-process. */
export function createApp(options: CreateAppOptions = {}): Daebus {
  const app = new Daebus('processor', { logger: options.logger });
  app.thread('processor', join(__dirname, 'thread.js'));

  // Not in the seed, which gives this example no action: a status action, so that the service
  // can be driven through a DaebusCaller too. It answers
  // { thread: <state>, restarts, processed, dir } (the counts while the thread runs).
  app.action('get_status', () => threadStatus(app, 'processor'));
  return app;
}

if (require.main === module) {
  const logger = directLogger;
  const stopClient = startSelfClient({
    service: 'processor',
    logger,
    firstMs: 2_000,
    everyMs: 10_000,
    round: async (caller) => logger.info(`client: get_status -> ${JSON.stringify(await caller.sendRequest('get_status'))}`),
  });
  void createApp({ logger })
    .run({ service: 'processor' })
    .finally(() => stopClient());
}
