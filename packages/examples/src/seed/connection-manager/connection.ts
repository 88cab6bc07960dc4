// Thread side: a TCP connection to one host ("127.0.0.1:port"), the seed's establish_connection()
// and conn.is_active().
import { connect, type Socket } from 'node:net';

const CONNECT_TIMEOUT_MS = 5_000;

export class Connection {
  readonly host: string;
  readonly #socket: Socket;

  constructor(host: string, socket: Socket) {
    this.host = host;
    this.#socket = socket;
    // A reset by the peer only ends the connection; isActive() reports it.
    socket.on('error', () => undefined);
  }

  /** False once the peer closed the connection or it failed. */
  isActive(): boolean {
    return !this.#socket.destroyed && this.#socket.readyState === 'open';
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** Connect to `host`; rejects on refusal, after CONNECT_TIMEOUT_MS, or when `signal` aborts. */
export function establishConnection(host: string, signal: AbortSignal): Promise<Connection> {
  const { hostname, port } = parseHost(host);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port });
    const fail = (err: Error): void => {
      done();
      socket.destroy();
      reject(err);
    };
    const onAbort = (): void => fail(new Error(`connecting to ${host} was aborted`));
    const onTimeout = (): void => fail(new Error(`connecting to ${host} timed out after ${CONNECT_TIMEOUT_MS} ms`));
    const done = (): void => {
      socket.off('error', fail);
      socket.off('timeout', onTimeout);
      socket.setTimeout(0);
      signal.removeEventListener('abort', onAbort);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.setTimeout(CONNECT_TIMEOUT_MS, onTimeout);
    socket.once('error', fail);
    socket.once('connect', () => {
      done();
      resolve(new Connection(host, socket));
    });
  });
}

function parseHost(host: string): { hostname: string; port: number } {
  const colon = host.lastIndexOf(':');
  const port = Number(host.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port <= 0) throw new Error(`"${host}" is not a host:port address`);
  return { hostname: host.slice(0, colon), port };
}
