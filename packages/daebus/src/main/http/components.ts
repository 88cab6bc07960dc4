// Python Daebus's attachable components: `app.attach(new DaebusHttp({ port: 8080 }))` and
// `app.attach(new DaebusWebSocket())`. Attaching only configures; the servers start with the app.
import {
  resolveHttpOptions,
  resolveWebSocketOptions,
  type HttpOptions,
  type ResolvedHttpOptions,
  type ResolvedWebSocketOptions,
  type WebSocketOptions,
} from './options';

/** The HTTP server of an app (Daebus's `DaebusHttp(port, host, cors_config)`); options are checked here. */
export class DaebusHttp {
  /** The options, checked and with the defaults filled in. */
  readonly options: ResolvedHttpOptions;

  constructor(options: HttpOptions = {}) {
    this.options = resolveHttpOptions('new DaebusHttp(options)', options);
  }
}

/** The WebSocket endpoint of an app (Daebus's `DaebusWebSocket(port)`): on the HTTP server's port unless given its own. */
export class DaebusWebSocket {
  /** The options, checked and with the defaults filled in. */
  readonly options: ResolvedWebSocketOptions;

  constructor(options: WebSocketOptions = {}) {
    this.options = resolveWebSocketOptions('new DaebusWebSocket(options)', options);
  }
}
