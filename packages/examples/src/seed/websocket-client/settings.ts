/** What the WebSocket client's thread gets as `t.workerData`. */
export interface WebSocketClientSettings {
  /** The stream to connect to (the seed's wss://api.example.com/stream; here the local stream-server.ts). */
  url: string;
  /** What get_api_key() returns: sent in the auth message on every (re)connection. */
  apiKey: string;
  /** Wait after a closed connection before reconnecting: the seed's time.sleep(5). */
  reconnectMs: number;
  /** Wait after an unexpected error in the connection loop: the seed's time.sleep(10). */
  retryMs: number;
}

/** The list the thread appends received messages to, and how many it keeps (the seed's last 100). */
export const RECEIVED_MESSAGES = 'received_messages';
export const KEEP_MESSAGES = 100;
