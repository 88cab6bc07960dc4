// Public API of `daebus`: the main side of a service.
export { Daebus } from './app/daebus';
export type { StructureOptions } from './app/structures';
export { Blueprint, type ActionArgs, type ActionOptions, type BackgroundOptions, type StartHook } from './app/blueprint';
export type { BackgroundTask, BackgroundFunction } from './app/background';
export { DEFAULT_APP_OPTIONS, type DaebusOptions, type RunOptions, type StartOptions, type StopOptions } from './app/options';
export { DaebusCaller } from './rpc/caller';
export { DEFAULT_CALLER_TIMEOUT_MS, type CallerOptions, type RequestOptions, type OfflineBehaviour } from './rpc/caller-options';
export { request, response, logger, broadcast, cache } from './rpc/globals';
export type { ActionHandler } from './rpc/dispatcher';
export type { ActionContext } from './rpc/context';
export type { ActionRequest } from './rpc/request';
export type { ActionResponse, SendOptions } from './rpc/response';
export type { ListenHandler } from './rpc/service-bus';
export { MemoryBroker, MemoryTransport } from './transport/memory';
export type {
  Transport,
  TransportBehaviour,
  MessageHandler as TransportMessageHandler,
  RedisClient,
  ObjectMessage,
  ObjectMessageHandler,
} from './transport/transport';
export type { TransportOption, TransportChoice } from './transport/resolve';
export { RedisTransport, type RedisConfig } from './transport/redis';
export { SharedMap, SharedQueue, SharedList, Delivery, type SharedStructure } from '../shared/state-api';
export { ThreadHandle } from './supervisor/handle';
export { DEFAULT_POOLED_TIMEOUT_MS, type PooledSpec } from './pool/pooled-spec';
export type { ThreadEntry } from './supervisor/entry';
export { DEFAULT_THREAD_OPTIONS, type ThreadOptions, type RestartPolicy } from './supervisor/thread-options';
export { restartDelay, type BackoffOptions } from './supervisor/backoff';
export type { ExitReason } from './supervisor/exit';
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
  ThreadStalledEvent,
  ThreadUnstalledEvent,
  ThreadStopResult,
} from './supervisor/events';
export { formatThreadTable, type ThreadTableOptions } from './ops/thread-table';
// the built-in actions every service answers, and what they answer (for a caller that asks them)
export { BuiltinActions } from '../shared/protocol/builtin-actions';
export type { BuiltinContract, AdminPayload, AdminThreadReply, Callable } from './ops/builtin-contract';
export type { Health } from './ops/health';
export type { RefusedWrite, ServiceWrite } from './transport/write-refusals';
export type { MetricsRegistry } from './ops/metrics';
export type { ServiceInfo } from './ops/introspection';
export type { TaskInfo } from './ops/ops-view';
export type { PoolStats } from './pool/pool-stats';
export { createLogger, directLogger, type Logger } from './support/logger';
export { DEFAULT_REPLICA_OPTIONS, type ReplicaOptions } from './replicas/options';
export type { ReplicaInfo } from './replicas/presence';
export type { DeadLetter } from './replicas/dead-letters';
export { DaebusError, ErrorCodes, type ErrorCode, type PlainError } from '../shared/errors';
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
// the context of a thread (`t`), for code on the main side that names its type
export type { ThreadContext } from '../thread/context';
export type { ThreadLogger } from '../thread/log';
export type { LogLevel } from '../shared/protocol/core';
export { DaebusHttp, DaebusWebSocket } from './http/components';
export {
  DEFAULT_HTTP_OPTIONS,
  type HttpOptions,
  type WebSocketOptions,
  type CorsOptions,
  type RateLimit,
  type ResolvedHttpOptions,
  type ResolvedCors,
  type ResolvedWebSocketOptions,
} from './http/options';
export type { HttpStartOptions, HttpEndpoints } from './http/endpoints';
export type { HttpRequest } from './http/http-request';
export type { HeaderValue, HttpResponse } from './http/http-response';
export type { ErrorBody } from './http/error-replies';
export type { RouteHandler, RouteContext, RouteOptions, RouteMethodName } from './http/route-entry';
export type { RouteParams } from './http/route-path';
export type { SocketClose, SocketContext, SocketData, SocketHandler, SocketHandshake } from './http/socket-handler';
export { WebSocketClients } from '../shared/socket-api';
export type { SocketClientInfo } from '../shared/socket-ops';
