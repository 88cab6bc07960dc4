// Seed: "You can maintain state within your thread function" (manage_connections), against
// TCP servers this example starts on 127.0.0.1; they go down and come back while it runs.
//   node dist/seed/connection-manager/service.js
import { join } from 'node:path';
import { Daebus, directLogger, type Logger } from 'daebus';
import { startSelfClient } from '../../shared/self-client';
import { threadStatus } from '../../shared/thread-status';
import { churn } from './churn';
import { LocalNetwork } from './network';
import type { ConnectionManagerSettings } from './settings';

export interface CreateAppOptions {
  /** Where the connection manager discovers hosts (`LocalNetwork.discoveryUrl`). */
  discoveryUrl: string;
  /** Where every record goes, the thread's included. Default: daebus's `directLogger`. */
  logger?: Logger;
  /** Length of one of the seed's seconds in ms (it checks every 5 s). Default 1000. */
  secondMs?: number;
}

/** The service with its one thread, ready to `run()`; tests start and stop it in-process. */
export function createApp(options: CreateAppOptions): Daebus {
  const app = new Daebus('connection_manager', { logger: options.logger });
  const settings: ConnectionManagerSettings = { discoveryUrl: options.discoveryUrl, secondMs: options.secondMs ?? 1000 };
  app.thread('connection_manager', join(__dirname, 'thread.js'), { workerData: settings });

  // Not in the seed, which gives this example no action: a status action, so that the service
  // can be driven through a DaebusCaller too. It answers { thread: <state>, restarts,
  // connections: { host: 'active' | 'inactive' }, retry_count } (the last two while the thread runs).
  app.action('get_status', () => threadStatus(app, 'connection_manager'));
  return app;
}

async function main(): Promise<void> {
  const network = await LocalNetwork.start(3);
  const logger = directLogger;
  logger.info(`network: hosts ${network.hosts.map((h) => h.address).join(', ')}; discovery at ${network.discoveryUrl}`);
  const stopChurn = churn(network, logger);
  const stopClient = startSelfClient({
    service: 'connection_manager',
    logger,
    firstMs: 2_000,
    everyMs: 10_000,
    round: async (caller) => logger.info(`client: get_status -> ${JSON.stringify(await caller.sendRequest('get_status'))}`),
  });
  try {
    await createApp({ discoveryUrl: network.discoveryUrl, logger }).run({ service: 'connection_manager' });
  } finally {
    stopChurn();
    await stopClient();
    await network.close();
  }
}

if (require.main === module) {
  void main();
}
