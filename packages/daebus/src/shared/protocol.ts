/**
 * Messages between the main side and a worker (a supervised thread, later a pool worker). Every
 * message on the framework's port is one of these unions, switched on exhaustively by `type`.
 * The port is a dedicated MessageChannel, so the worker's `parentPort` stays free for user code.
 */
import type { MessagePort } from 'node:worker_threads';
import type { PlainError } from './errors';
import type { StateCall } from './state-ops';

/** Key under which the boot data sits in `workerData`. */
export const BOOT_KEY = '__daebusThread';

export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';

/** What the worker runs: a module with a `defineThread(...)` default export, or inline source. */
export type ThreadEntrySpec = { kind: 'module'; specifier: string } | { kind: 'inline'; source: string };

/** Everything a worker needs to start, passed as `workerData[BOOT_KEY]`. */
export interface ThreadBoot {
  name: string;
  entry: ThreadEntrySpec;
  /** The thread's flag buffer; layout in flags.ts. */
  flags: SharedArrayBuffer;
  /** The framework's port to the supervisor (transferred). */
  port: MessagePort;
  /** The user's `workerData` option, handed to the thread as `t.workerData`. */
  workerData: unknown;
  /** 0 for the first start, n for the n-th restart. */
  restarts: number;
}

/** The outcome of a call that crossed the port; `id` echoes the call's. */
export type Outcome = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: PlainError };

/** Thread -> main. */
export type ThreadToMain =
  | { type: 'ready' }
  | { type: 'log'; level: LogLevel; message: string; meta?: Record<string, unknown> }
  /** An operation on a shared structure; answered with `state-result`. */
  | { type: 'state'; id: number; call: StateCall }
  /** The thread received a queue item (`state-result` with `ack`): it may now leave the queue for good. */
  | { type: 'ack'; id: number }
  /** The answer to a `request` from the main side. */
  | ({ type: 'reply' } & Outcome)
  /** Publish on a transport channel (broadcast); answered with `state-result` (receiver count). */
  | { type: 'broadcast'; id: number; channel: string; payload: unknown }
  /** A pooled handler's streamed update (`final: false`) to its caller. */
  | { type: 'progress'; payload: unknown };

/** One pooled action call, as the pool's worker receives it. */
export interface PooledTask {
  /** The handler's module (file URL) and export. */
  specifier: string;
  exportName: string;
  action: string;
  requestId: string | undefined;
  payload: Record<string, unknown>;
  /** Tags this call's messages on the pool's BroadcastChannel (progress, logs, shared state). */
  call: number;
}

/** Key under which the pool's workerData names its BroadcastChannel. */
export const POOL_CHANNEL_KEY = '__daebusPoolChannel';

/** A message on the pool's BroadcastChannel: one call's message, either way. */
export interface PoolEnvelope<M> {
  call: number;
  message: M;
}

/** Anything messages to the main side can be posted on (a MessagePort, or one call's share of a channel). */
export interface MessageSink<M> {
  postMessage(message: M): void;
}

/** Main -> thread. */
export type MainToThread =
  | { type: 'stop' }
  /** `ack: true` asks the thread to confirm receipt (queue items). */
  | ({ type: 'state-result'; ack?: true } & Outcome)
  | { type: 'request'; id: number; name: string; payload: unknown }
  | { type: 'post'; name: string; payload: unknown };
