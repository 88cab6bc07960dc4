import type { FastifyInstance } from 'fastify';
import { listenFailed } from './port-check';

/**
 * Listen on `host:port` and resolve with the port bound; LISTEN_FAILED if the socket cannot.
 *
 * Only `localhost` goes through Fastify's `listen`, for its binding of both 127.0.0.1 and ::1.
 * Any other host is listened on here: once the socket listens, Fastify's `listen` lists the
 * machine's interfaces to log a wildcard's addresses (we log none of Fastify's lines), and when
 * that list fails (EMFILE, no file descriptor free at that moment) it throws out of the
 * `listening` event, so its promise never settled: the start hung, and a stop took a second signal.
 */
export async function listen(app: FastifyInstance, host: string, port: number, what: string): Promise<number> {
  try {
    if (host === 'localhost') await app.listen({ host, port });
    else {
      await app.ready();
      await new Promise<void>((resolve, reject) => {
        const failed = (err: Error): void => reject(err);
        app.server.once('error', failed);
        app.server.listen({ host, port }, () => {
          app.server.removeListener('error', failed);
          resolve();
        });
      });
    }
  } catch (err) {
    throw listenFailed(what, host, port, err);
  }
  const address = app.server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}
