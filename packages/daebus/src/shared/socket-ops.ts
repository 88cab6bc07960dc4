/**
 * What a worker (a thread or a pooled handler) asks of the service's WebSocket clients. The main
 * side owns every connection, so these travel as a core message and the main side's hub carries
 * them out (`t.websocket`, `ctx.websocket`, `app.websocket` share these operations).
 */
export type SocketCall =
  /** Send `{ type, data }` to one client; the result is whether it was sent. */
  | { op: 'send'; clientId: string; data: unknown; messageType: string }
  /** Send `{ type, data }` to every client; the result is how many it was sent to. */
  | { op: 'broadcast'; data: unknown; messageType: string }
  /** The connected clients with their metadata. */
  | { op: 'clients' }
  /** Close one client's connection; the result is whether it was connected. */
  | { op: 'disconnect'; clientId: string; code: number; reason: string };

/** Python Daebus's default message types: `send_to_client` sends "message", `broadcast_to_all` "broadcast". */
export const DEFAULT_SEND_TYPE = 'message';
export const DEFAULT_BROADCAST_TYPE = 'broadcast';

/** What the list of clients holds for each one (a plain, cloneable snapshot). */
export interface SocketClientInfo {
  /** The id handlers get as `clientId` (`user_<uuid>`, as Python Daebus makes them). */
  id: string;
  /** When it connected (ms since the epoch). */
  connectedAt: number;
  /** Its last message in or out (ms since the epoch). */
  lastActivity: number;
  /** The path and query it connected with. */
  path: string;
  /** The query parameters it connected with. */
  query: Record<string, string | string[]>;
  /** Its IP address, as the server's socket saw it at the handshake. */
  remoteAddress: string | undefined;
  /** Messages received from it (rate-limited ones included). */
  messagesReceived: number;
  /** Messages sent to it. */
  messagesSent: number;
  /** Bytes queued for it and not yet written to the network. */
  bufferedBytes: number;
  /** The data of its last successful `register` message, if any. */
  registration?: unknown;
}
