import { ErrorCodes } from './errors';
import { DEFAULT_BROADCAST_TYPE, DEFAULT_SEND_TYPE, type SocketCall, type SocketClientInfo } from './socket-ops';
import { checker, isName } from './validate';
import { brandClass } from './class-brand';

/** A WebSocket close code an application may send: 1000, or 3000-4999 (the rest is reserved to the protocol). */
function isCloseCode(code: unknown): code is number {
  return Number.isInteger(code) && (code === 1000 || ((code as number) >= 3000 && (code as number) <= 4999));
}

/**
 * The service's WebSocket clients as code reaches them: `app.websocket` on the main side,
 * `t.websocket` in a thread, `ctx.websocket` in a pooled handler. Every operation is carried out
 * by the main side, which owns the connections; from a worker it is one message each way. Messages
 * go out as Python Daebus frames them: `{ "type": type, "data": data }` (data must be JSON).
 */
export class WebSocketClients {
  readonly #exec: (call: SocketCall) => Promise<unknown>;

  constructor(exec: (call: SocketCall) => Promise<unknown>) {
    this.#exec = exec;
  }

  /** Send `{ type, data }` to one client. Resolves false when it is not connected (or was closed as too slow). */
  async sendToClient(clientId: string, data: unknown, type: string = DEFAULT_SEND_TYPE): Promise<boolean> {
    const check = checker('websocket.sendToClient()', ErrorCodes.INVALID_ARGUMENT);
    if (!isName(clientId)) check.name('clientId', clientId);
    if (!isName(type)) check.name('type', type);
    return (await this.#exec({ op: 'send', clientId, data, messageType: type })) as boolean;
  }

  /** Send `{ type, data }` to every connected client; resolves with how many it went to. */
  async broadcastToAll(data: unknown, type: string = DEFAULT_BROADCAST_TYPE): Promise<number> {
    if (!isName(type)) checker('websocket.broadcastToAll()', ErrorCodes.INVALID_ARGUMENT).name('type', type);
    return (await this.#exec({ op: 'broadcast', data, messageType: type })) as number;
  }

  /** The connected clients with their metadata (empty while the server is not running). */
  async clients(): Promise<SocketClientInfo[]> {
    return (await this.#exec({ op: 'clients' })) as SocketClientInfo[];
  }

  /** Close a client's connection with `code` and `reason`; resolves false when it was not connected. */
  async disconnect(clientId: string, code = 1000, reason = 'Server closed connection'): Promise<boolean> {
    const check = checker('websocket.disconnect()', ErrorCodes.INVALID_ARGUMENT);
    if (!isName(clientId)) check.name('clientId', clientId);
    if (!isCloseCode(code)) check.fail('code', '1000 or a whole number from 3000 to 4999', code);
    if (typeof reason !== 'string') check.fail('reason', 'a string', reason);
    return (await this.#exec({ op: 'disconnect', clientId, code, reason })) as boolean;
  }
}

brandClass(WebSocketClients, 'WebSocketClients');
