import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The connections a server accepted on which the client has sent nothing yet: a browser opens
 * such spare connections ahead of need, and fetch (undici) one after an aborted request. Node's
 * closeIdleConnections() leaves them open, so a stop waited out its whole close grace for them.
 */
export class UnusedConnections {
  readonly #sockets = new Set<Socket>();
  /** Those that had read nothing at the last sweep. */
  #seenUnused = new Set<Socket>();

  /**
   * `upgrades`: the server holds a WebSocket endpoint. Else no listener for upgrades is added: Node
   * takes an upgrade out of HTTP while the server has one, and no one would answer it.
   */
  constructor(server: Server, upgrades: boolean) {
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    const used = (req: IncomingMessage): void => void this.#sockets.delete(req.socket);
    server.prependListener('request', used);
    if (upgrades) server.prependListener('upgrade', used);
  }

  /**
   * Close those on which nothing was read at the last sweep and still nothing now; note the others
   * that read nothing yet. Not at the first look: a request the client sent just then may be
   * waiting to be read (bytesRead counts what Node read, not what the system holds), and is
   * answered, as before, if it is read by the next sweep.
   */
  sweep(): void {
    const unused = new Set<Socket>();
    for (const socket of this.#sockets) {
      if (socket.bytesRead > 0) continue;
      if (!this.#seenUnused.has(socket)) {
        unused.add(socket);
        continue;
      }
      this.#sockets.delete(socket);
      socket.destroy();
    }
    this.#seenUnused = unused;
  }
}
