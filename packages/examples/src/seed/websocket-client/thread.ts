// run_websocket_client from the seed: keep a WebSocket connection open while the service runs,
// authenticate on open, keep the last 100 messages in a shared list (get_recent_messages reads
// it), warn about alerts, and reconnect 5 s after the connection closes.
//
// The seed's actions use the module-global client directly. Here the actions run on the main
// thread and the connection lives in this worker, so send_websocket_message asks this thread:
// it answers 'connected' and 'send' messages (t.on).
import WebSocket, { type RawData } from 'ws';
import { defineThread, directLogger } from 'daebus/thread';
import { describeError } from '../../shared/describe-error';
import { runForever } from './run-forever';
import { KEEP_MESSAGES, RECEIVED_MESSAGES, type WebSocketClientSettings } from './settings';

/** The messages this thread answers: the actions ask it with `app.thread<WebSocketMessages>(...)`. */
export interface WebSocketMessages {
  connected: { result: boolean };
  send: { payload: unknown; result: { sent: boolean } };
}

export default defineThread<WebSocketClientSettings, WebSocketMessages>(async (running, t) => {
  const { url, apiKey, reconnectMs, retryMs } = t.workerData;
  const getApiKey = (): string => apiKey;
  // Shared message storage (a list behind a lock in the seed): keeps only the last 100 messages
  const receivedMessages = t.list(RECEIVED_MESSAGES, { max: KEEP_MESSAGES });
  let websocketClient: WebSocket | undefined;

  // WebSocket event callbacks
  const onMessage = async (message: RawData): Promise<void> => {
    try {
      const data = JSON.parse(message.toString()) as { type?: unknown; message?: unknown };
      // Keep only the last 100 messages: the list drops the oldest itself
      await receivedMessages.append(data);
      // Process specific message types
      if (data?.type === 'alert') {
        directLogger.warn(`Alert received: ${String(data.message)}`);
      }
    } catch (e) {
      directLogger.error(`Error processing message: ${describeError(e)}`);
    }
  };
  const onError = (error: Error): void => {
    if (running()) directLogger.error(`WebSocket error: ${error.message}`);
  };
  const onClose = (): void => {
    directLogger.info('WebSocket connection closed');
  };
  const onOpen = (ws: WebSocket): void => {
    directLogger.info('WebSocket connection established');
    // Send authentication message
    ws.send(JSON.stringify({ type: 'auth', api_key: getApiKey() }));
  };

  // For the actions (see above): is the connection open, and send a message over it.
  t.on('connected', () => websocketClient?.readyState === WebSocket.OPEN);
  t.on('send', async (message) => {
    const ws = websocketClient;
    if (ws?.readyState !== WebSocket.OPEN) throw new Error('WebSocket not connected');
    await new Promise<void>((resolve, reject) => ws.send(JSON.stringify(message), (err) => (err ? reject(err) : resolve())));
    return { sent: true };
  });

  // Connection loop - keeps trying to connect while the service is running
  while (running()) {
    try {
      // Create a new WebSocket client
      const ws = new WebSocket(url);
      ws.on('open', () => onOpen(ws));
      ws.on('message', (message) => void onMessage(message));
      ws.on('error', onError);
      ws.on('close', onClose);
      // Store reference to client
      websocketClient = ws;
      // Start the WebSocket connection (this will block until connection closes)
      await runForever(ws, t.signal);
      // If we get here, the connection was closed - wait before reconnecting
      if (running()) {
        directLogger.info(`WebSocket disconnected, reconnecting in ${reconnectMs / 1000} seconds...`);
        await t.sleep(reconnectMs);
      }
    } catch (e) {
      directLogger.error(`WebSocket connection error: ${describeError(e)}`);
      await t.sleep(retryMs); // Wait before retrying
    }
  }
  // Clean shutdown
  if (websocketClient) {
    try {
      websocketClient.close();
    } catch {
      // already closed
    }
    websocketClient = undefined;
  }
});
