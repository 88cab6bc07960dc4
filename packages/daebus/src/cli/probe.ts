import { createConnection } from 'node:net';

/**
 * Open and close a plain TCP connection to `host:port`, failing with the socket's own error
 * (ECONNREFUSED, ENOTFOUND, ...) or ETIMEDOUT. ioredis, when its first connection fails, keeps its
 * connect timer running and so holds the process for the whole connect timeout; this check
 * first lets an unreachable server fail at once.
 */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect ETIMEDOUT ${host}:${port} (no answer within ${timeoutMs} ms)`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    });
  });
}
