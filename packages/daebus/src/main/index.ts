// Public API of `daebus`: the main side of a service.
export { Daebus, type RunOptions, type StartOptions, type StopOptions } from './app';
export { DaebusCaller, DEFAULT_CALLER_TIMEOUT_MS, type CallerOptions, type RequestOptions } from './caller';
export { request, response, logger, broadcast, cache } from './actions/globals';
export type { ActionHandler } from './actions/dispatcher';
export type { ActionContext } from './actions/context';
export type { ActionRequest } from './actions/request';
export type { ActionResponse, SendOptions } from './actions/response';
export type { ListenHandler } from './bus';
export { MemoryBroker, MemoryTransport } from './transport/memory';
export type { Transport, MessageHandler as TransportMessageHandler } from './transport/transport';
export type { TransportOption, TransportChoice } from './transport/resolve';
export { RedisTransport, type RedisConfig } from './transport/redis';
export { SharedMap, SharedQueue, SharedList } from '../shared/state-api';
export { ThreadHandle } from './thread-handle';
export { Blueprint, type BackgroundOptions, type StartHook } from './blueprint';
export type { BackgroundTask, BackgroundFunction } from './background';
export { DEFAULT_POOLED_TIMEOUT_MS, type PooledSpec } from './pool/pooled-spec';
export type { ThreadEntry } from './entry';
export { DEFAULT_THREAD_OPTIONS, DEFAULT_APP_OPTIONS, type DaebusOptions, type ThreadOptions, type RestartPolicy } from './options';
export { restartDelay, type BackoffOptions } from './backoff';
export type { ExitReason } from './exit';
export type {
  ThreadState,
  ThreadSnapshot,
  ThreadExit,
  ThreadEvents,
  ThreadStartEvent,
  ThreadExitEvent,
  ThreadRestartEvent,
  ThreadFailedEvent,
  ThreadStopEvent,
  ThreadStopResult,
} from './thread-types';
export { createLogger, directLogger, type Logger } from './logger';
export { DaebusError, ErrorCodes, type ErrorCode, type PlainError } from '../shared/errors';
