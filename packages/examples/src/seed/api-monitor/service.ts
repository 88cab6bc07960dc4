// Seed: "Monitor external APIs and report status" (monitor_apis and the get_api_status action),
// against APIs this example serves on 127.0.0.1: one up, one degraded (500), one that never
// answers (down after the timeout). Each cycle's summary is also broadcast on `system_status`.
//   node dist/seed/api-monitor/service.js
import { join } from 'node:path';
import { Daebus, directLogger, response, type Logger } from 'daebus';
import { startSelfClient } from '../../shared/self-client';
import { ApiServer } from './api-server';
import type { ApiMonitorSettings, ApiStatus } from './settings';

export interface CreateAppOptions {
  /** API endpoints to monitor: name -> health URL (`ApiServer.endpoints`). */
  endpoints: Record<string, string>;
  /** Where every record goes, the thread's included. Default: daebus's `directLogger`. */
  logger?: Logger;
  /** Timeout of one check. Default 5 000 ms, the seed's `timeout=5`. */
  timeoutMs?: number;
  /** Time between check cycles. Default 30 000 ms, the seed's `time.sleep(30)`. */
  intervalMs?: number;
  /** The channel each cycle's summary is broadcast on. Default `system_status`. */
  statusChannel?: string;
}

/** The service with its thread and action, ready to `run()`; tests start and stop it in-process. */
export function createApp(options: CreateAppOptions): Daebus {
  const app = new Daebus('api_monitor', { logger: options.logger });
  // Status storage, written by the thread (t.map('api_status'))
  const apiStatus = app.map<ApiStatus>('api_status');

  const settings: ApiMonitorSettings = {
    endpoints: options.endpoints,
    timeoutMs: options.timeoutMs ?? 5_000,
    intervalMs: options.intervalMs ?? 30_000,
    statusChannel: options.statusChannel ?? 'system_status',
  };
  app.thread('api_monitor', join(__dirname, 'thread.js'), { workerData: settings });

  app.action('get_api_status', async () => {
    const currentStatus = await apiStatus.snapshot(); // a copy, taken in one step
    return response.send(currentStatus);
  });
  return app;
}

async function main(): Promise<void> {
  const server = await ApiServer.start();
  const logger = directLogger;
  logger.info(`APIs at ${Object.values(server.endpoints).join(', ')}`);
  const app = createApp({ endpoints: server.endpoints, logger });
  // Any service can listen to the broadcasts; this one listens to its own to show them.
  app.listen('system_status', (summary) => logger.info(`system_status broadcast: ${JSON.stringify(summary)}`));
  const stopClient = startSelfClient({
    service: 'api_monitor',
    logger,
    firstMs: 7_000, // after the first cycle, which waits 5 s for the inventory API
    everyMs: 30_000,
    round: async (caller) => {
      logger.info(`client: get_api_status -> ${JSON.stringify(await caller.sendRequest('get_api_status'))}`);
    },
  });
  try {
    await app.run({ service: 'api_monitor' });
  } finally {
    await stopClient();
    await server.close();
  }
}

if (require.main === module) {
  void main();
}
