/** The pool's protocol: one pooled call, what its handler sends while it runs, and its result. */
import type { MessagePort } from 'node:worker_threads';
import type { PlainError } from '../errors';
import type { CoreToMain, MainToWorker } from './core';

/** One pooled call, as a pool worker receives it from piscina. */
export interface PooledTask {
  /** The handler's module (file URL) and export. */
  specifier: string;
  /** For a TypeScript module where Node cannot strip types: the package.json of the tsx to register first. */
  loader?: string;
  exportName: string;
  action: string;
  requestId: string | undefined;
  payload: Record<string, unknown>;
  /** Tags this call's messages on its worker's port, and marks its worker's slot while it runs. */
  call: number;
  /** Set while the task still waits in piscina's queue when its call is aborted: the worker skips it. */
  cancelled?: true;
}

/** Pooled handler -> main: the core messages, and streamed updates (`final: false`) to its caller. */
export type PooledToMain = CoreToMain | { type: 'progress'; payload: unknown };

export type MainToPooled = MainToWorker;

/**
 * What a pool worker returns to piscina: the handler's value or error, and how many messages the
 * call sent on its worker's port, all of which the main side reads before it answers the call.
 * `skipped`: the call was cancelled before it ran (not one of the pool's completed calls).
 */
export type PooledResult = { value: unknown; sent: number; skipped?: true } | { error: PlainError; sent: number };

/**
 * Key of the message a pool worker posts once, on its `parentPort` when it loads, with its end of
 * a MessageChannel of its own: its calls' messages go both ways on that port. Piscina passes a
 * worker message that is not its own on as the pool's 'message' event.
 */
export const POOL_WORKER_KEY = '__daebusPoolWorker';

export interface PoolWorkerHello {
  /** The worker's threadId. */
  [POOL_WORKER_KEY]: number;
  port: MessagePort;
}

/** A handler module a pool worker loads as it starts, before it takes a call. */
export interface PoolPreload {
  specifier: string;
  loader?: string;
  exportName: string;
}

/**
 * Key under which the pool's workerData lists the handler modules registered before the pool
 * started (`PoolPreload[]`): each worker loads them as it starts, as piscina loads its own
 * `filename`, so that no call waits for its module to load.
 */
export const POOL_PRELOAD_KEY = '__daebusPoolPreload';

/** How long a pool worker's start waits for those modules before it takes calls anyway. */
export const PRELOAD_WAIT_MS = 10_000;

/**
 * Values of a module's first field in the POOL_HUNG_KEY table: its top-level code has not finished
 * after PRELOAD_WAIT_MS (a top-level await; the worker goes on), or it ran synchronously that long
 * (an endless loop: the worker's event loop never came back, so the main side marked it and
 * stopped the worker; later workers do not load it).
 */
export const LOAD_HUNG = 1;
export const LOAD_STUCK = 2;
/** The module's top-level code ended the worker loading it (out of memory, a native crash): later workers do not load it. */
export const LOAD_KILLED = 3;

/**
 * Key under which the pool's workerData holds an `Int32Array` on a SharedArrayBuffer, two fields
 * per entry of the POOL_PRELOAD_KEY list (n entries). The first n: 1 once a worker found that
 * module still loading after PRELOAD_WAIT_MS (its top-level code does not finish), 0 again once
 * it loads or fails in any worker. A worker that starts later does not wait for a module marked
 * so, and a call that needs it fails at once, saying why; the worker that marks it logs it, so it
 * is logged once. The next n: 1 once a worker's load of that entry failed and was logged, so that
 * each failure is logged by the first worker only. A first field holds LOAD_HUNG, LOAD_STUCK or
 * LOAD_KILLED.
 * The last field (2n): 1 once the main side found a worker blocked (or ended) while it loaded the
 * modules all at once, not knowing by which: from then on workers load them one at a time (see
 * LOADING_SEVERAL), so that the next such worker names it.
 */
export const POOL_HUNG_KEY = '__daebusPoolHung';

/** The field of a POOL_HUNG_KEY table that says to load the modules one at a time. */
export function oneByOneField(hung: Int32Array): number {
  return hung.length - 1;
}

/** What a pool worker's loading-module field holds while it loads several modules at once (none can be blamed). */
export const LOADING_SEVERAL = -1;

/**
 * Key under which the pool's workerData holds the log gate every worker shares: an `Int32Array`
 * laid out as a thread's flags, of which the log slots are used (see shared/flags.ts).
 */
export const POOL_LOG_KEY = '__daebusPoolLog';

/** What a pool worker's running-call field holds while it loads its handler modules as it starts. */
export const LOADING_MODULES = -1;

/** The call id on what a pool worker sends while it loads those modules (their own logs): no call. */
export const LOADING_CALL = 0;

/**
 * Key under which the pool's workerData holds an `Int32Array` on a SharedArrayBuffer: which call
 * each worker runs, so that the main side can stop the worker of a call it aborts. Slot `i` is
 * `[i * 4]` the owning worker's threadId (0: free), `[i * 4 + 1]` the call it runs (0: none) and
 * `[i * 4 + 2]` the last call whose answer it handed to piscina: one still unsettled past its
 * timeout lost its reply on the way (the main thread could not read it), and piscina, waiting
 * for it, would count that worker busy for ever. `[i * 4 + 3]` is, while the worker loads its
 * handler modules, 1 + the index (in the POOL_PRELOAD_KEY list) of the one it started last and
 * still waits for (0: none): the one whose top-level code runs if its event loop never comes back.
 * A worker claims a free slot when it loads; the main side frees it when that worker exits.
 */
export const POOL_RUNNING_KEY = '__daebusPoolRunning';

/** Int32 fields per slot of the running table (owner threadId, running call, answered call, module loading). */
export const RUNNING_SLOT_FIELDS = 4;

/** A worker's claim of a free slot of the running table: the index of its call field, or -1 (none free). */
export function claimRunningSlot(table: Int32Array, threadId: number): number {
  for (let at = 0; at < table.length; at += RUNNING_SLOT_FIELDS) {
    if (Atomics.compareExchange(table, at, 0, threadId) === 0) return at + 1;
  }
  return -1;
}

/** A message on a pool worker's port: one call's message, either way. */
export interface PoolEnvelope<M> {
  call: number;
  message: M;
}
