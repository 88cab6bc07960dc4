/**
 * What every worker (a supervised thread or a pool worker) and the main side say to each other
 * on the framework's channel: log records, calls to the main side's services (shared state,
 * broadcasts) and their results. The thread and pool protocols add their own messages to these.
 */
import type { PlainError } from '../errors';
import type { SocketCall } from '../socket-ops';
import type { StateCall } from '../state-ops';

export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly';

/** The outcome of a call that crossed the channel; `id` echoes the call's. */
export type Outcome = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: PlainError };

/** Worker -> main, from any kind of worker. */
export type CoreToMain =
  | { type: 'log'; level: LogLevel; message: string; meta?: Record<string, unknown> }
  /**
   * An operation on a shared structure; answered with `result`. A `posted` one (a queue's put or
   * a map's set on a structure whose answer said `postable`) is answered only if it fails.
   */
  | { type: 'state'; id: number; call: StateCall; posted?: true }
  /** Publish on a transport channel; answered with `result` (the receiver count). */
  | { type: 'broadcast'; id: number; channel: string; payload: unknown }
  /** The worker received the queue item of `result` `id` (a `get`): it may leave the main side's keeping. */
  | { type: 'ack'; id: number }
  /** Send to, list or disconnect the service's WebSocket clients; answered with `result`. */
  | { type: 'socket'; id: number; call: SocketCall };

/**
 * Main -> worker, to any kind of worker. `hold: 'receipt'` marks a queue item from `get`, which
 * the worker confirms as soon as it has it (an `ack`, or a thread's receipt count in its shared
 * flags); an item from `receive` stays held until its consumer acknowledges it with a queue
 * `ack` call. `postable` on the answer to a put or set: the structure is the main side's own,
 * later writes of that kind to it may be posted.
 */
export type MainToWorker = { type: 'result'; hold?: 'receipt' | 'ack'; postable?: true } & Outcome;

const CORE_TYPES: ReadonlySet<string> = new Set<CoreToMain['type']>(['log', 'state', 'broadcast', 'ack', 'socket']);

/** True for the messages every worker connection serves the same way. */
export function isCoreMessage(message: { type: string }): message is CoreToMain {
  return CORE_TYPES.has(message.type);
}

/** Anything messages can be posted on (a MessagePort, or one call's share of a channel). */
export interface MessageSink<M> {
  postMessage(message: M): void;
}
