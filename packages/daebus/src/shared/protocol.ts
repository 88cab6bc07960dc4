/**
 * Messages between the supervisor (main side) and a worker (thread side). Every message on the
 * framework's port is one of these unions, switched on exhaustively by `type`. The port is a
 * dedicated MessageChannel, so the worker's `parentPort` stays free for user code.
 */
import type { MessagePort } from 'node:worker_threads';

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

/** Thread -> main. */
export type ThreadToMain = { type: 'ready' } | { type: 'log'; level: LogLevel; message: string; meta?: Record<string, unknown> };

/** Main -> thread. */
export type MainToThread = { type: 'stop' };
