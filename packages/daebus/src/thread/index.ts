// Public API of `daebus/thread`: what code running inside a daebus worker thread imports.
export { defineThread, type ThreadDefinition, type ThreadFunction } from './define';
export { ThreadContext } from './context';
// the base of ThreadContext and PooledContext: a helper that takes either names it
export type { WorkerContext } from './worker-context';
export type { StopHook } from './stop';
export { defineHandler, type PooledHandler, type PooledHandlerDefinition } from './define-handler';
export { PooledContext } from './pooled-context';
export { directLogger } from './direct-logger';
export type { ThreadLogger } from './log';
export type { LogLevel } from '../shared/protocol/core';
export type { MessageHandler } from './inbox';
export { SharedMap, SharedQueue, SharedList, Delivery, type SharedStructure } from '../shared/state-api';
export { WebSocketClients } from '../shared/socket-api';
export type { SocketClientInfo } from '../shared/socket-ops';
export { DaebusError, ErrorCodes, type ErrorCode } from '../shared/errors';
export type {
  ActionsOf,
  AnyContract,
  AnyMessages,
  Contract,
  Exchange,
  LooseContract,
  LooseMessages,
  MessagesOf,
  NameOf,
  PartOf,
  PayloadArgs,
  PayloadOf,
  ResultOf,
} from '../shared/contract';
