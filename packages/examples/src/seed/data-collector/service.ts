// Seed: "When accessing resources shared with other threads, always use proper synchronization"
// (collect_data and the get_current_data action), against a data source this example serves
// on 127.0.0.1.
//   node dist/seed/data-collector/service.js
import { join } from 'node:path';
import { Daebus, directLogger, response, type Logger } from 'daebus';
import { startSelfClient } from '../../shared/self-client';
import { DataSource } from './data-source';
import type { DataCollectorSettings } from './settings';

export interface CreateAppOptions {
  /** Where the collector fetches new data (`DataSource.url`). */
  url: string;
  /** Where every record goes, the thread's included. Default: daebus's `directLogger`. */
  logger?: Logger;
  /** Time between collections. Default 10 000 ms, the seed's `time.sleep(10)`. */
  intervalMs?: number;
  /** Sleep after a failed collection. Default 30 000 ms, the seed's `time.sleep(30)`. */
  errorDelayMs?: number;
}

/** The service with its thread and action, ready to `run()`; tests start and stop it in-process. */
export function createApp(options: CreateAppOptions): Daebus {
  const app = new Daebus('data_collector', { logger: options.logger });
  // Shared resources: the map the thread writes (t.map('shared_data')) and the action reads.
  const sharedData = app.map('shared_data');

  const settings: DataCollectorSettings = {
    url: options.url,
    intervalMs: options.intervalMs ?? 10_000,
    errorDelayMs: options.errorDelayMs ?? 30_000,
  };
  app.thread('data_collector', join(__dirname, 'thread.js'), { workerData: settings });

  app.action('get_current_data', async () => {
    // Thread-safe access to the shared data: a copy taken in one step
    const currentData = await sharedData.snapshot();
    return response.send(currentData);
  });
  return app;
}

async function main(): Promise<void> {
  const source = await DataSource.start();
  const logger = directLogger;
  logger.info(`data source at ${source.url}`);
  const stopClient = startSelfClient({
    service: 'data_collector',
    logger,
    firstMs: 1_000,
    everyMs: 10_000,
    round: async (caller) => {
      logger.info(`client: get_current_data -> ${JSON.stringify(await caller.sendRequest('get_current_data'))}`);
    },
  });
  try {
    await createApp({ url: source.url, logger }).run({ service: 'data_collector' });
  } finally {
    await stopClient();
    await source.close();
  }
}

if (require.main === module) {
  void main();
}
