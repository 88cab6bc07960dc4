// Real clients for the HTTP and WebSocket tests: fetch with the body read, and a `ws` client whose
// frames and close are awaited as events (no sleeps).
import { createConnection } from 'node:net';
import WebSocket from 'ws';

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** A request with `fetch`; a JSON body is read as JSON. */
export async function http(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer> {
  const { json, ...rest } = init;
  const request: RequestInit =
    json === undefined ? rest : { ...rest, body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } };
  const response = await fetch(url, request);
  const text = await response.text();
  let body: unknown = text;
  if (text !== '' && response.headers.get('content-type')?.startsWith('application/json')) body = JSON.parse(text);
  return { status: response.status, headers: response.headers, body, text };
}

export interface Frame {
  type: string;
  data?: unknown;
  error?: string;
  code?: string;
  id?: string | number;
  [key: string]: unknown;
}

/** A connected `ws` client that keeps every frame it gets, and how it was closed. */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly socket: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as Frame;
      this.frames.push(frame);
      for (const w of [...this.#waiters]) {
        if (!w.match(frame)) continue;
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('error', () => undefined);
  }

  /** Connect; resolves once open (or rejects if the server refuses the upgrade). */
  static connect(url: string, options?: WebSocket.ClientOptions): Promise<TestSocket> {
    const socket = new WebSocket(url, options);
    const client = new TestSocket(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first frame (already here or to come) that matches. */
  next(match: (f: Frame) => boolean = () => true): Promise<Frame> {
    const here = this.frames.find(match);
    if (here) {
      this.frames.splice(this.frames.indexOf(here), 1);
      return Promise.resolve(here);
    }
    return new Promise((resolve) =>
      this.#waiters.push({
        match,
        resolve: (f) => {
          this.frames.splice(this.frames.indexOf(f), 1);
          resolve(f);
        },
      }),
    );
  }

  /** Send `message` and wait for the frame that answers it (by `id`). */
  async ask(message: Record<string, unknown> & { id: string | number }): Promise<Frame> {
    const answer = this.next((f) => f.id === message.id);
    this.send(message);
    return answer;
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }
}

/** Whether a new connection to `url`'s server is refused (its stop began). */
export function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection(Number(port), hostname);
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}
