// Main side: a TCP server on 127.0.0.1 standing in for a remote host. It accepts connections and
// keeps them open; stop() drops them all, and start() brings it back on the same port.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export class LocalHost {
  #port = 0;
  #server?: Server;
  readonly #sockets = new Set<Socket>();
  /** Connections accepted since the host was created. */
  accepted = 0;

  /** "127.0.0.1:port" (the port is known after the first start()). */
  get address(): string {
    return `127.0.0.1:${this.#port}`;
  }

  get isUp(): boolean {
    return this.#server !== undefined;
  }

  /** Listen (on a free port the first time, on the same port after that). */
  async start(): Promise<void> {
    if (this.#server) return;
    const server = createServer((socket) => {
      this.accepted += 1;
      this.#sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.#port }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
  }

  /** Go down: close the listener and drop every open connection. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}
