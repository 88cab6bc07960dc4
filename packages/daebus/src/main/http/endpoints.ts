// What a user's code names of the HTTP side: what start takes and where the servers are. The
// public declarations reach only files like this one, never the ones that import Fastify: its
// types pull in pino's, which a CommonJS project without esModuleInterop cannot compile.
import type { HttpOptions, WebSocketOptions } from './options';

/** What `app.start()` / `app.run()` take for HTTP: options, true (the defaults or the attached component), false (none). */
export interface HttpStartOptions {
  /** The HTTP server. Default: on when routes are registered or a DaebusHttp is attached. */
  http?: HttpOptions | boolean | undefined;
  /** The WebSocket endpoint. Default: on when socket handlers are registered or a DaebusWebSocket is attached. */
  websocket?: WebSocketOptions | boolean | undefined;
}

/** Where the running servers are reached. Empty while they do not run. */
export interface HttpEndpoints {
  /** `http://host:port` of the HTTP server. */
  url?: string;
  /** The HTTP server's port (the one it got, when asked for port 0). */
  port?: number;
  /** The WebSocket endpoint: `ws://host:port/path` on the HTTP port, `ws://host:port` on a port of its own (every path is taken there). */
  websocketUrl?: string;
}
