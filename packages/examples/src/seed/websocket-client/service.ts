// Seed: "Maintain a persistent WebSocket connection" (run_websocket_client with the
// get_recent_messages and send_websocket_message actions), against a WebSocket stream this
// example serves on 127.0.0.1 and restarts now and then, so the client has to reconnect.
//   node dist/seed/websocket-client/service.js
import { join } from 'node:path';
import { Daebus, directLogger, request, response, type Logger, type ThreadHandle } from 'daebus';
import { describeError } from '../../shared/describe-error';
import { startSelfClient } from '../../shared/self-client';
import { KEEP_MESSAGES, RECEIVED_MESSAGES, type WebSocketClientSettings } from './settings';
import { StreamServer } from './stream-server';
import type { WebSocketMessages } from './thread';

export interface CreateAppOptions {
  /** The stream to connect to (`StreamServer.url`). */
  url: string;
  /** The key sent in the auth message. */
  apiKey: string;
  /** Where every record goes, the thread's included. Default: daebus's `directLogger`. */
  logger?: Logger;
  /** Wait before reconnecting after the connection closed. Default 5 000 ms, the seed's `time.sleep(5)`. */
  reconnectMs?: number;
  /** Wait after an unexpected error in the connection loop. Default 10 000 ms, the seed's `time.sleep(10)`. */
  retryMs?: number;
}

/** The service with its thread and actions, ready to `run()`; tests start and stop it in-process. */
export function createApp(options: CreateAppOptions): Daebus {
  const app = new Daebus('websocket_client', { logger: options.logger });
  // Shared message storage, appended to by the thread
  const receivedMessages = app.list(RECEIVED_MESSAGES, { max: KEEP_MESSAGES });

  const settings: WebSocketClientSettings = {
    url: options.url,
    apiKey: options.apiKey,
    reconnectMs: options.reconnectMs ?? 5_000,
    retryMs: options.retryMs ?? 10_000,
  };
  app.thread('websocket_client', join(__dirname, 'thread.js'), { workerData: settings });

  app.action('get_recent_messages', async () => {
    const messages = await receivedMessages.snapshot(); // a copy, taken in one step
    return response.send({
      count: messages.length,
      messages: messages,
    });
  });

  app.action('send_websocket_message', async () => {
    // The connection lives in the thread: ask it (see thread.ts).
    const websocketClient = app.thread<WebSocketMessages>('websocket_client');
    if (!(await isConnected(websocketClient))) {
      return response.error('WebSocket not connected');
    }
    const message = request.payload.message;
    if (!message) {
      return response.error('No message provided');
    }
    try {
      await websocketClient.request('send', message); // websocket_client.send(json.dumps(message))
      return response.send({ sent: true });
    } catch (e) {
      return response.error(`Failed to send message: ${describeError(e)}`);
    }
  });
  return app;
}

/** The seed's `if not websocket_client`: false while the thread is not running or its connection is not open. */
async function isConnected(thread: ThreadHandle<WebSocketMessages>): Promise<boolean> {
  try {
    return await thread.request('connected');
  } catch {
    return false; // THREAD_NOT_RUNNING (stopped, restarting, failed) or no answer
  }
}

async function main(): Promise<void> {
  const apiKey = process.env.WEBSOCKET_API_KEY || 'local-demo-key';
  const server = await StreamServer.start({ apiKey, tickMs: 1_000 });
  const logger = directLogger;
  logger.info(`stream at ${server.url}: an update a second, an alert every tenth`);
  // Every 30 s the stream goes down for 3 s: the client reconnects 5 s after it notices.
  const restarts = setInterval(() => {
    logger.info('stream: going down for 3 s');
    void server.stop().then(() => setTimeout(() => void server.start().then(() => logger.info('stream: back up')), 3_000).unref());
  }, 30_000);
  restarts.unref();
  let sent = 0;
  const stopClient = startSelfClient({
    service: 'websocket_client',
    logger,
    firstMs: 2_000,
    everyMs: 5_000,
    round: async (caller) => {
      const recent = (await caller.sendRequest('get_recent_messages')) as { count: number; messages: unknown[] };
      logger.info(`client: get_recent_messages -> count ${recent.count}, last ${JSON.stringify(recent.messages.at(-1))}`);
      sent += 1;
      const message = { type: 'ping', n: sent };
      try {
        const reply = await caller.sendRequest('send_websocket_message', { message });
        logger.info(`client: send_websocket_message ${JSON.stringify(message)} -> ${JSON.stringify(reply)}`);
      } catch (e) {
        logger.info(`client: send_websocket_message ${JSON.stringify(message)} -> error: ${describeError(e)}`);
      }
    },
  });
  try {
    await createApp({ url: server.url, apiKey, logger }).run({ service: 'websocket_client' });
  } finally {
    clearInterval(restarts);
    await stopClient();
    await server.stop();
  }
}

if (require.main === module) {
  void main();
}
