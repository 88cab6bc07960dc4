// The options daebus gives Node's own HTTP server, under Fastify.
import type { IncomingMessage, Server } from 'node:http';

/** What Fastify passes on to `http.createServer`. */
interface NodeServerOptions {
  requestTimeout?: number;
  headersTimeout?: number;
  connectionsCheckingInterval?: number;
  /** Node 22 and 24.9 on; Node 20 ignores it (and takes every upgrade out of HTTP while a WebSocket endpoint listens). */
  shouldUpgradeCallback?: (this: Server, req: IncomingMessage) => boolean;
}

/**
 * Node's options for a request timeout of `requestTimeoutMs` (0: none), and for upgrades: only a
 * WebSocket one leaves HTTP, while the server has a listener for it; another (the `h2c` curl
 * offers) is served as a plain request, as a server may do with an upgrade it does not speak.
 *
 * The timeout for headers is the same as the request's (Node's rule when given at creation: one
 * set later, longer, swaps with it, and a stalled body waits 60 s; the default 60 s would cut
 * stalled headers before a longer requestTimeoutMs); checked every tenth of it, at most every
 * second (Node's default, 30 s, could fire it 30 s late).
 */
export function nodeServerOptions(requestTimeoutMs: number): NodeServerOptions {
  const options: NodeServerOptions = {
    // Node calls it on the server, as its default (`this.listenerCount('upgrade') > 0`)
    shouldUpgradeCallback(req) {
      return this.listenerCount('upgrade') > 0 && req.headers.upgrade?.toLowerCase() === 'websocket';
    },
  };
  if (requestTimeoutMs > 0) {
    options.requestTimeout = requestTimeoutMs;
    options.headersTimeout = requestTimeoutMs;
    options.connectionsCheckingInterval = Math.min(1_000, Math.max(10, Math.round(requestTimeoutMs / 10)));
  }
  return options;
}
