// Main side: the stream the seed's client connects to (wss://api.example.com/stream), served on
// 127.0.0.1 with the `ws` package. A client must first send {"type": "auth", "api_key": ...};
// then it gets a welcome, and (with `tickMs`) a price update every tick and an alert every
// tenth. stop() drops every connection and start() listens again on the same port, so a client
// has to reconnect.
import { createServer, type Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeServer, listenLocal } from '../../shared/local-server';

export interface StreamServerOptions {
  /** The key clients must authenticate with. */
  apiKey: string;
  /** Send every authenticated client an update this often; 0 (default): only what `publish` sends. */
  tickMs?: number;
}

export class StreamServer {
  /** Messages clients sent after authenticating, oldest first. */
  readonly received: unknown[] = [];
  /** Successful authentications so far (one per connection). */
  authentications = 0;
  readonly #options: StreamServerOptions;
  readonly #clients = new Set<WebSocket>();
  #port = 0;
  #http?: Server;
  #ticker?: NodeJS.Timeout;
  #seq = 0;

  private constructor(options: StreamServerOptions) {
    this.#options = options;
  }

  static async start(options: StreamServerOptions): Promise<StreamServer> {
    const server = new StreamServer(options);
    await server.start();
    return server;
  }

  /** ws://127.0.0.1:port/stream (the port is kept across restarts). */
  get url(): string {
    return `ws://127.0.0.1:${this.#port}/stream`;
  }

  get isUp(): boolean {
    return this.#http !== undefined;
  }

  /** Authenticated connections open now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** Listen (on a free port the first time, on the same port after that). */
  async start(): Promise<void> {
    if (this.#http) return;
    const http = createServer((_request, response) => response.writeHead(426).end('WebSocket only\n'));
    const wss = new WebSocketServer({ server: http, path: '/stream' });
    wss.on('connection', (socket) => this.#accept(socket));
    this.#port = await listenLocal(http, this.#port);
    this.#http = http;
    if (this.#options.tickMs) {
      this.#ticker = setInterval(() => this.#tick(), this.#options.tickMs);
      this.#ticker.unref();
    }
  }

  /** Go down: drop every connection and stop listening. */
  async stop(): Promise<void> {
    const http = this.#http;
    if (!http) return;
    this.#http = undefined;
    clearInterval(this.#ticker);
    for (const socket of this.#clients) socket.terminate();
    this.#clients.clear();
    await closeServer(http);
  }

  /** Send `message` (as JSON) to every authenticated client; returns how many. */
  publish(message: unknown): number {
    const text = JSON.stringify(message);
    for (const socket of this.#clients) socket.send(text);
    return this.#clients.size;
  }

  #accept(socket: WebSocket): void {
    let authenticated = false;
    socket.on('error', () => undefined);
    socket.on('close', () => this.#clients.delete(socket));
    socket.on('message', (raw) => {
      let message: { type?: unknown; api_key?: unknown };
      try {
        message = JSON.parse(raw.toString()) as typeof message;
      } catch {
        socket.close(1003, 'JSON only'); // 1003: unsupported data
        return;
      }
      if (authenticated) {
        this.received.push(message);
        return;
      }
      if (message?.type !== 'auth' || message.api_key !== this.#options.apiKey) {
        socket.close(4001, 'unauthorized');
        return;
      }
      authenticated = true;
      this.authentications += 1;
      this.#clients.add(socket);
      socket.send(JSON.stringify({ type: 'welcome', message: 'authenticated' }));
    });
  }

  #tick(): void {
    this.#seq += 1;
    if (this.#seq % 10 === 0) {
      this.publish({ type: 'alert', seq: this.#seq, message: `price of ACME moved more than 2% (update ${this.#seq})` });
    } else {
      this.publish({ type: 'price', seq: this.#seq, symbol: 'ACME', price: Math.round((100 + Math.sin(this.#seq / 5) * 3) * 100) / 100 });
    }
  }
}
