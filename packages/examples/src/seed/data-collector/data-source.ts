// Main side: the "external" data the seed's collector fetches, served over HTTP on 127.0.0.1.
// Each GET returns a new reading (a counter and a few slowly drifting sensor values); while
// `available` is false it answers 503, so the collector's error path can be seen.
import { createServer, type Server } from 'node:http';
import { closeServer, listenLocal } from '../../shared/local-server';

export class DataSource {
  /** False: every request gets 503 Service Unavailable. */
  available = true;
  /** Readings served so far. */
  readings = 0;
  readonly #server: Server;
  #port = 0;
  #temperature = 21;
  #humidity = 45;

  private constructor() {
    this.#server = createServer((request, response) => {
      if (request.url !== '/data') {
        response.writeHead(404).end();
        return;
      }
      if (!this.available) {
        response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'maintenance' }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.#nextReading()));
    });
  }

  static async start(): Promise<DataSource> {
    const source = new DataSource();
    source.#port = await listenLocal(source.#server);
    return source;
  }

  /** The URL the collector fetches. */
  get url(): string {
    return `http://127.0.0.1:${this.#port}/data`;
  }

  close(): Promise<void> {
    return closeServer(this.#server);
  }

  #nextReading(): Record<string, number> {
    this.readings += 1;
    this.#temperature += (Math.random() - 0.5) * 0.4;
    this.#humidity = Math.min(100, Math.max(0, this.#humidity + (Math.random() - 0.5)));
    return {
      reading: this.readings,
      temperature_c: Math.round(this.#temperature * 10) / 10,
      humidity_pct: Math.round(this.#humidity * 10) / 10,
      measured_at: Date.now() / 1000,
    };
  }
}
