// The seed's WebSocket example the other way round: instead of a thread that is a WebSocket
// client, a service that is the server. It collects the data of the data-collector example,
// offers it over HTTP (GET /data, GET /data/<key>) and pushes every new reading to its
// WebSocket clients (ws://host:port/ws), on the same port.
//   node dist/seed/websocket-server/service.js        (HTTP_PORT, default 8080, on 127.0.0.1)
import { join } from 'node:path';
import { Daebus, DaebusError, directLogger, response, type Logger } from 'daebus';
import { DataSource } from '../data-collector/data-source';
import { SHARED_DATA, type DataFeedSettings } from './settings';

export interface CreateAppOptions {
  /** Where the thread fetches new readings (`DataSource.url`). */
  url: string;
  /** Where every record goes, the thread's included. Default: daebus's `directLogger`. */
  logger?: Logger;
  /** Time between collections. Default 10 000 ms, as the data collector. */
  intervalMs?: number;
  /** Sleep after a failed collection. Default 30 000 ms, as the data collector. */
  errorDelayMs?: number;
}

/** The service with its thread, routes and socket handlers, ready to `run()`; tests start and stop it in-process. */
export function createApp(options: CreateAppOptions): Daebus {
  const app = new Daebus('data_feed', { logger: options.logger });
  const sharedData = app.map(SHARED_DATA);
  const settings: DataFeedSettings = {
    url: options.url,
    intervalMs: options.intervalMs ?? 10_000,
    errorDelayMs: options.errorDelayMs ?? 30_000,
  };
  app.thread('data_collector', join(__dirname, 'thread.js'), { workerData: settings });

  // HTTP: the whole snapshot, or one reading
  app.route('/data', () => sharedData.snapshot());
  app.route('/data/<key>', async (req) => {
    const { key } = req.params; // typed from the path
    // { error, code } as the library's own errors are: a client tells them apart by code
    if (!(await sharedData.has(key))) return response.error(new DaebusError('NO_READING', `No reading named "${key}"`), 404);
    return { [key]: await sharedData.get(key) };
  });
  app.route('/status', async () => ({
    readings: await sharedData.size(),
    clients: (await app.websocket.clients()).length,
    thread: app.threads.data_collector?.state,
  }));

  // WebSocket: a new client gets the current data at once, then every update the thread pushes
  app.socket('connect', async (_data, clientId) => ({ client_id: clientId, data: await sharedData.snapshot() }));
  app.socket('get_data', () => sharedData.snapshot());

  // The data collector's action, for callers on the transport
  app.action('get_current_data', async () => response.send(await sharedData.snapshot()));
  return app;
}

async function main(): Promise<void> {
  const source = await DataSource.start();
  const logger = directLogger;
  const port = Number(process.env.HTTP_PORT ?? 8080);
  logger.info(`data source at ${source.url}`);
  const app = createApp({ url: source.url, logger, intervalMs: 2_000 });
  app.onStart(() => logger.info(`try: curl ${app.http.url}/data  or a WebSocket client on ${app.http.websocketUrl}`));
  try {
    await app.run({ service: 'data_feed', http: { port, host: '127.0.0.1' } });
  } finally {
    await source.close();
  }
}

if (require.main === module) {
  void main();
}
