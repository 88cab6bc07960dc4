// The WebSocket handler's types, apart from the hub that runs handlers: the public declarations
// name these, and must not reach Fastify's types (see endpoints.ts).
import type { SocketClientInfo } from '../../shared/socket-ops';
import type { Handshake } from './client-socket';
import type { Logger } from '../support/logger';

/** What a WebSocket handler gets besides the message's data and the client's id. */
export interface SocketContext {
  /** The client's id, as the handler's second argument. */
  clientId: string;
  /** The message's type (`connect`, `disconnect` for those events). */
  type: string;
  /** The client's metadata now. */
  client: SocketClientInfo;
  /** Send `{ type, data }` to this client (default type `response`); false if it is gone. */
  send(data: unknown, type?: string): boolean;
  /** The app's logger with the client's id attached. */
  logger: Logger;
}

/** What the `connect` hook gets as its data: the upgrade request the client connected with. */
export type SocketHandshake = Handshake;

/** What the `disconnect` hook gets as its data: how the connection closed. */
export interface SocketClose {
  /** The close code: the client's, or the server's when it closed the connection (1001 at a stop, 1011 for a ping unanswered). */
  code: number;
  /** The close reason, as text ('' when none was given). */
  reason: string;
}

/**
 * A handler's data: `D` when the handler's annotation (or a type argument) says what it is; else
 * the handshake for `connect`, the close for `disconnect`, and unknown for any other type.
 */
export type SocketData<T extends string, D> = unknown extends D
  ? string extends T
    ? D
    : T extends 'connect'
      ? SocketHandshake
      : T extends 'disconnect'
        ? SocketClose
        : D
  : D;

/**
 * A WebSocket handler, as `@app.socket(type)` in Python Daebus: `(data, clientId) => reply`; a
 * reply other than undefined goes back as `{ "type": "response", "data": reply }`. `D`: the type
 * of the message's data, which is whatever JSON the client sent (`app.socket` infers it from the
 * handler's annotation, else `unknown`).
 */
export type SocketHandler<D = any> = (data: D, clientId: string, context: SocketContext) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any
