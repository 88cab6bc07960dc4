import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * The connections a server accepted on which the client has sent nothing yet: a browser opens
 * such spare connections ahead of need, and fetch (undici) one after an aborted request. Node's
 * closeIdleConnections() leaves them open, so a stop waited out its whole close grace for them.
 */
export class UnusedConnections {
  readonly #sockets = new Set<Socket>();

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    const used = (req: IncomingMessage): void => void this.#sockets.delete(req.socket);
    server.prependListener('request', used);
    server.prependListener('upgrade', used);
  }

  /** Close those on which nothing was read yet; one with a request on its way in is left to be answered. */
  close(): void {
    for (const socket of this.#sockets) {
      if (socket.bytesRead > 0) continue;
      this.#sockets.delete(socket);
      socket.destroy();
    }
  }
}
