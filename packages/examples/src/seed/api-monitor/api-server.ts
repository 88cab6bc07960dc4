// Main side: the APIs the seed monitors, served on 127.0.0.1 instead of api.example.com. The
// users API is healthy (200), the orders API fails (500), and the inventory API never answers,
// so the monitor's timeout ends each check of it.
import { createServer, type Server } from 'node:http';
import { closeServer, listenLocal } from '../../shared/local-server';

export class ApiServer {
  /** Health checks answered so far, by path (the hanging one counts when it arrives). */
  readonly hits = new Map<string, number>();
  readonly #server: Server;
  #port = 0;

  private constructor() {
    this.#server = createServer((request, response) => {
      const path = request.url ?? '/';
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      switch (path) {
        case '/users/health':
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
          return;
        case '/orders/health':
          response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"database unavailable"}');
          return;
        case '/inventory/health':
          return; // never answers; closeServer() drops the connection
        default:
          response.writeHead(404).end();
      }
    });
  }

  static async start(): Promise<ApiServer> {
    const server = new ApiServer();
    server.#port = await listenLocal(server.#server);
    return server;
  }

  /** API endpoints to monitor, as in the seed. */
  get endpoints(): Record<string, string> {
    const base = `http://127.0.0.1:${this.#port}`;
    return {
      users_api: `${base}/users/health`,
      orders_api: `${base}/orders/health`,
      inventory_api: `${base}/inventory/health`,
    };
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }
}
