/**
 * What every worker (a supervised thread or a pool worker) and the main side say to each other
 * on the framework's channel: log records, calls to the main side's services (shared state,
 * broadcasts) and their results. The thread and pool protocols add their own messages to these.
 */
import type { PlainError } from '../errors';
import type { SocketCall } from '../socket-ops';
import type { StateCall } from '../state-ops';

/** winston's (npm's) levels, most severe first: a logger at one level writes it and those before it. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
/** A winston (npm) log level: `error`, `warn`, `info`, `http`, `verbose`, `debug` or `silly`. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The outcome of a call that crossed the channel; `id` echoes the call's. */
export type Outcome = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: PlainError };

/** Worker -> main, from any kind of worker. */
export type CoreToMain =
  /** `size`: about how many bytes the record weighs, for the backlog (see LOG_BYTES_SLOT); sent with a backlog only. */
  | { type: 'log'; level: LogLevel; message: string; meta?: Record<string, unknown>; size?: number; at?: number }
  /**
   * An operation on a shared structure; answered with `result`. A queue's put or a map's set on
   * a structure whose answer said `postable` is posted instead (`POSTED_PUT`, `POSTED_SET`):
   * not answered; if it failed anyway, the main side logs it. A queue's get goes as `QUEUE_GET`.
   */
  | { type: 'state'; id: number; call: StateCall }
  /** Publish on a transport channel; answered with `result` (the receiver count). */
  | { type: 'broadcast'; id: number; channel: string; payload: unknown }
  /** The worker received the item of `get` call `id` (a `QUEUE_ITEM`): it may leave the main side's keeping. */
  | { type: 'ack'; id: number }
  /** Send to, list or disconnect the service's WebSocket clients; answered with `result`. */
  | { type: 'socket'; id: number; call: SocketCall }
  | CompactToMain;

/**
 * The compact forms of the messages a queue hand-off sends: tuples, tagged by their first
 * element. Posting and reading an object costs by its keys and string values (each is written,
 * read back as a new string and its keys looked up again); one of these costs about what the
 * bare item does: 2-2.5 µs less per message than the object form, measured cold, and about half
 * the bytes the receiving side allocates.
 */

/** Worker -> main: a queue `put` posted without an answer (see `state` above): `[POSTED_PUT, queue, item]`. */
export const POSTED_PUT = 0;
/** Worker -> main: a posted map `set`: `[POSTED_SET, map, key, value]`. */
export const POSTED_SET = 1;
/** Worker -> main: a queue `get`, answered with an item (`QUEUE_ITEM`) or a `result`: `[QUEUE_GET, id, queue, timeoutMs]`. */
export const QUEUE_GET = 2;
/** Main -> worker: the item of `get` call `id`, which the worker confirms as soon as it has it: `[QUEUE_ITEM, id, item]`. */
export const QUEUE_ITEM = 3;

export type PostedPut = readonly [tag: typeof POSTED_PUT, queue: string, item: unknown];
export type PostedSet = readonly [tag: typeof POSTED_SET, map: string, key: string, value: unknown];
export type QueueGet = readonly [tag: typeof QUEUE_GET, id: number, queue: string, timeoutMs: number];
export type QueueItem = readonly [tag: typeof QUEUE_ITEM, id: number, item: unknown];

/** Worker -> main in compact form. */
export type CompactToMain = PostedPut | PostedSet | QueueGet;

/**
 * Main -> worker, to any kind of worker: the `result` of a call, or an item of `get` (a
 * `QueueItem`, confirmed by the worker as soon as it has it: an `ack`, or a thread's receipt
 * count in its shared flags). An item from `receive` comes as a `result` with `hold: 'ack'` and
 * stays held until its consumer acknowledges it with a queue `ack` call; an item of a
 * service-wide queue's `get` as a `result` with `hold: 'receipt'`, which the worker confirms
 * with an `ack` message as soon as it has it (until then it stays pending in Redis). `postable` on the
 * answer to a put or set: the structure is the main side's own, later writes of that kind to it
 * may be posted.
 */
export type MainToWorker = ({ type: 'result'; hold?: 'ack' | 'receipt'; postable?: true } & Outcome) | QueueItem;

const CORE_TYPES: ReadonlySet<string> = new Set<Exclude<CoreToMain, CompactToMain>['type']>(['log', 'state', 'broadcast', 'ack', 'socket']);

/** True for the messages every worker connection serves the same way (the compact ones among them). */
export function isCoreMessage(message: CoreToMain | { type: string }): message is CoreToMain {
  return Array.isArray(message) || CORE_TYPES.has((message as { type: string }).type);
}

/** True for a message in compact form (a tuple): one of the worker's. */
export function isCompact(message: CoreToMain): message is CompactToMain {
  return Array.isArray(message);
}

/** True for a message in compact form (a tuple): the main side's, an item of `get`. */
export function isQueueItem<M extends object>(message: M | QueueItem): message is QueueItem {
  return Array.isArray(message);
}

/** Anything messages can be posted on (a MessagePort, or one call's share of a channel). */
export interface MessageSink<M> {
  postMessage(message: M): void;
}
