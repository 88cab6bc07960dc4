import { createServer } from 'node:net';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';

/** LISTEN_FAILED for a server (`what`) that could not listen on `host:port`. */
export function listenFailed(what: string, host: string, port: number, err: unknown): DaebusError {
  return new DaebusError(ErrorCodes.LISTEN_FAILED, `The ${what} could not listen on ${host}:${port}: ${toPlainError(err).message}`, {
    cause: err,
  });
}

/**
 * Resolves if `host:port` can be listened on now (a server listens there a moment, then closes);
 * else LISTEN_FAILED, as the server's own listen would fail (taken, or not allowed).
 */
export async function portFree(host: string, port: number, what: string): Promise<void> {
  const probe = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host, port, exclusive: true }, resolve);
    });
  } catch (err) {
    throw listenFailed(what, host, port, err);
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}
