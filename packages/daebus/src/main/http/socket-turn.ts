import type { SocketClientInfo } from '../../shared/socket-ops';
import type { Logger } from '../support/logger';
import type { SocketClient } from './socket-client';
import type { SocketContext } from './socket-handler';
import { frame } from './socket-envelope';

/** What one handler run gets as its context (a class: cheap to make per message). */
export class SocketTurn implements SocketContext {
  readonly clientId: string;
  readonly type: string;
  readonly #client: SocketClient;
  readonly #appLogger: Logger;

  constructor(client: SocketClient, type: string, appLogger: Logger) {
    this.clientId = client.id;
    this.type = type;
    this.#client = client;
    this.#appLogger = appLogger;
  }

  get client(): SocketClientInfo {
    return this.#client.info();
  }

  /** The app's logger with the client's id; the client keeps it once made. */
  get logger(): Logger {
    return (this.#client.logger ??= this.#appLogger.child({ ws_client: this.clientId }));
  }

  send(data: unknown, type = 'response'): boolean {
    return this.#client.send(frame(type, data));
  }
}
