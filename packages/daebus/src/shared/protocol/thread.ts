/**
 * A supervised thread's protocol: how it boots, and the messages it adds to the core ones. The
 * framework's port is a dedicated MessageChannel, so the worker's `parentPort` stays free for
 * user code.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CoreToMain, MainToWorker, Outcome } from './core';

/** Key under which the boot data sits in `workerData`. */
export const BOOT_KEY = '__daebusThread';

/** What the worker runs: a module with a `defineThread(...)` default export, or inline source. */
/**
 * `loader`: for a TypeScript module where Node cannot strip types, the package.json of the tsx to
 * register first; `stripsTypes`: a TypeScript module Node strips the types of itself.
 */
export type ThreadEntrySpec =
  { kind: 'module'; specifier: string; loader?: string; stripsTypes?: true } | { kind: 'inline'; source: string; origin?: InlineOrigin };

/** Where an inline function's shipped source would start in its file (1-based line and column), for its stack traces. */
export interface InlineOrigin {
  file: string;
  line: number;
  column: number;
}

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
  /** How often the thread's event loop beats (flags.ts, BEAT_SLOT). */
  tickMs: number;
  /**
   * A worker started ahead of its run (during a restart's backoff, or while the app's transport
   * connects): it boots, says `booted`, and waits for `go` before it loads the user's module or
   * runs the function (a `stop` ends it instead).
   */
  held: boolean;
}

/** Thread -> main. */
export type ThreadToMain =
  | CoreToMain
  /** The worker has booted: what follows loads and runs user code. */
  | { type: 'booted' }
  /** The thread function is about to run. */
  | { type: 'ready' }
  /** The answer to a `request` from the main side. */
  | ({ type: 'reply' } & Outcome)
  /** The thread function returned, and the thread waits for this before it ends (its stop hooks, message handlers). */
  | { type: 'finishing'; waitingFor: string };

/** Main -> thread. */
export type MainToThread =
  | MainToWorker
  | { type: 'stop' }
  /** A held worker may load and run its thread (ThreadBoot.held). */
  | { type: 'go' }
  | { type: 'request'; id: number; name: string; payload: unknown }
  | { type: 'post'; name: string; payload: unknown };
