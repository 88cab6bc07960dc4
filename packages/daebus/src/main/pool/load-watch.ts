import type Piscina from 'piscina';
import { toPlainError } from '../../shared/errors';
import {
  LOAD_KILLED,
  LOAD_STUCK,
  LOADING_SEVERAL,
  oneByOneField,
  PRELOAD_WAIT_MS,
  type PooledTask,
  type PoolPreload,
} from '../../shared/protocol/pool';
import type { Logger } from '../support/logger';
import type { RunningTable } from './running-table';

/**
 * How long past PRELOAD_WAIT_MS a worker may still be loading its modules before the main side
 * takes its event loop for blocked: the worker's own wait ends at PRELOAD_WAIT_MS, unless
 * synchronous code (a module's top-level endless loop) keeps its timer from ever firing.
 */
const STUCK_GRACE_MS = 1_000;

/** A task a worker returns from at once (a cancelled one): posted to make piscina start a worker. */
const WAKE_TASK: PooledTask = { specifier: '', exportName: '', action: '', requestId: undefined, payload: {}, call: 0, cancelled: true };

/** What a LoadWatch asks of its pool. */
export interface LoadWatchHooks {
  /** The piscina pool watched, while it runs. */
  pool(): Piscina | undefined;
  /** Stop worker `threadId`, found blocked as it loads. */
  stop(threadId: number): void;
}

/**
 * Watches each pool worker as it loads the handler modules registered before the pool started.
 * A module's top-level code that runs synchronously for ever blocks its worker, which then can
 * neither log nor mark the module as the worker does for a top-level await that never settles:
 * here the main side finds such a worker still loading after PRELOAD_WAIT_MS, names the module it
 * started last (logged once), marks it LOAD_STUCK so that later workers skip it and calls that
 * need it fail at once, and stops the worker (piscina starts another; the calls it had given that worker go to another).
 * A module whose top-level code ends its worker (out of memory, a crash of native code) is named
 * and skipped the same way (LOAD_KILLED). Piscina starts no worker on its own once one ended as it
 * started, so that every later call waited out its timeout: here a task posted after such an end
 * makes it start one for the calls waiting in its queue.
 */
export class LoadWatch {
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #preloads: PoolPreload[];
  readonly #hung: Int32Array;
  readonly #running: RunningTable;
  readonly #logger: Logger;
  readonly #hooks: LoadWatchHooks;
  /** What each watched worker was loading when its port closed (its slot is freed then, before its 'exit'). */
  readonly #lastLoading = new Map<number, number | undefined>();
  /** Workers stopped here, blocked as they loaded. */
  readonly #stopped = new Set<number>();
  #endedLoading = false;
  /** Tasks posted only to make piscina start a worker (piscina counts them among its completed). */
  wakes = 0;

  constructor(preloads: PoolPreload[], hung: Int32Array, running: RunningTable, logger: Logger, hooks: LoadWatchHooks) {
    this.#preloads = preloads;
    this.#hung = hung;
    this.#running = running;
    this.#logger = logger;
    this.#hooks = hooks;
  }

  /**
   * True for a moment after a worker ended as it loaded its modules: piscina fails the calls it had
   * given that worker (it takes its first workers as ready at once), none of which ran.
   */
  get endedLoading(): boolean {
    return this.#endedLoading;
  }

  /** Worker `threadId` began loading (its hello came; undefined: a message that is not one). Checked once, even if it ended by then. */
  watch(threadId: number | undefined): void {
    if (threadId === undefined || this.#preloads.length === 0) return;
    this.#timers.set(threadId, setTimeout(() => this.#check(threadId), PRELOAD_WAIT_MS + STUCK_GRACE_MS).unref());
    const worker = this.#hooks.pool()?.threads.find((thread) => thread.threadId === threadId);
    let reason: string | undefined;
    // ERR_WORKER_OUT_OF_MEMORY comes as an 'error', just before the 'exit'
    worker?.once('error', (err: unknown) => (reason = toPlainError(err).message));
    worker?.once('exit', (code: number) => this.#exited(threadId, reason ?? `exit code ${code}`));
  }

  /** Worker `threadId`'s port closed: it ended, and its slot is about to be freed. */
  portClosed(threadId: number): void {
    if (this.#timers.has(threadId)) this.#lastLoading.set(threadId, this.#running.loadingModuleOf(threadId));
  }

  /**
   * Blocked while it loaded the modules all at once: which one is not known. Later workers load
   * them one at a time, and the next one blocked names it (about PRELOAD_WAIT_MS later).
   */
  #blockedUnnamed(threadId: number): void {
    if (Atomics.exchange(this.#hung, oneByOneField(this.#hung), 1) === 0) {
      this.#logger.error(
        `A pool worker was still loading the pooled handler modules ${(PRELOAD_WAIT_MS + STUCK_GRACE_MS) / 1000} s after it started, its event loop blocked: the top-level code of one of them runs synchronously without end (an endless loop?). The pool stopped that worker; its next workers load the modules one at a time, to find which one.`,
      );
    }
    this.#stopped.add(threadId);
    this.#hooks.stop(threadId);
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#lastLoading.clear();
    this.#stopped.clear();
  }

  /**
   * Worker `threadId` ended. Called after piscina's own exit listeners, which fail the calls it had
   * given that worker: their rejections come next, while `endedLoading` holds. When the next
   * worker gets further (it will not load the module that blocked or ended this one), a wake.
   */
  #exited(threadId: number, reason: string): void {
    const named = this.#stopped.delete(threadId) ? true : this.#ended(threadId, reason);
    if (named === undefined) return;
    this.#endedLoading = true;
    setImmediate(() => {
      this.#endedLoading = false;
      const pool = this.#hooks.pool();
      if (named && pool !== undefined && pool.queueSize > 0) {
        this.wakes++;
        pool.run(WAKE_TASK).catch(() => undefined);
      }
    });
  }

  /**
   * Worker `threadId` ended on its own. Still watched (not by a close) and still loading: the
   * module it was loading ended it, named and skipped from now on (true); loading several at once,
   * the next workers load them one at a time (true), as for a blocked worker; loading none, false.
   * Undefined: it had loaded them.
   */
  #ended(threadId: number, reason: string): boolean | undefined {
    const timer = this.#timers.get(threadId);
    const loading = this.#lastLoading.has(threadId) ? this.#lastLoading.get(threadId) : this.#running.loadingModuleOf(threadId);
    this.#lastLoading.delete(threadId);
    if (timer === undefined || loading === undefined) return undefined;
    clearTimeout(timer);
    this.#timers.delete(threadId);
    if (loading === LOADING_SEVERAL) {
      if (Atomics.exchange(this.#hung, oneByOneField(this.#hung), 1) === 0)
        this.#logger.error(
          `A pool worker ended as it loaded the pooled handler modules (${reason}): the top-level code of one of them ended it. Its next workers load the modules one at a time, to find which one.`,
        );
    } else {
      const specifier = this.#preloads[loading - 1]?.specifier;
      const field = specifier === undefined ? -1 : this.#preloads.findIndex((m) => m.specifier === specifier);
      // a worker that began loading it before it was marked may end on it too: logged once
      const marked = field >= 0 && Atomics.exchange(this.#hung, field, LOAD_KILLED) !== LOAD_KILLED;
      const culprit =
        specifier === undefined ? 'before it loaded a pooled handler module' : `as it loaded the pooled handler module ${specifier}`;
      if (marked || field < 0)
        this.#logger.error(
          `A pool worker ended ${culprit} (${reason}).${marked ? ' The pool no longer loads the module; calls that need it fail with THREAD_LOAD_FAILED until the service restarts. Make its top-level code lighter, and move heavy work into the handler.' : ''}`,
          { ...(specifier !== undefined && { module: specifier }) },
        );
      if (field < 0) return false;
    }
    return true;
  }

  #check(threadId: number): void {
    this.#timers.delete(threadId);
    const loading = this.#running.loadingModuleOf(threadId);
    if (loading === undefined) return;
    if (loading === LOADING_SEVERAL) return this.#blockedUnnamed(threadId);
    const specifier = this.#preloads[loading - 1]?.specifier;
    const field = specifier === undefined ? -1 : this.#preloads.findIndex((m) => m.specifier === specifier);
    const first = field >= 0 && Atomics.exchange(this.#hung, field, LOAD_STUCK) !== LOAD_STUCK;
    const culprit = specifier === undefined ? 'a pooled handler module (not known which)' : `the pooled handler module ${specifier}`;
    const message = `A pool worker was still loading ${culprit} ${(PRELOAD_WAIT_MS + STUCK_GRACE_MS) / 1000} s after it started, its event loop blocked: the module's top-level code runs synchronously without end (an endless loop?). The pool stopped that worker${field >= 0 ? ' and no longer loads the module; calls that need it fail with THREAD_LOAD_FAILED until the service restarts' : ''}. Make its top-level code finish, and move long work into the handler.`;
    // logged once per module; a worker stuck on no known module is logged each time
    if (first || field < 0) this.#logger.error(message, { ...(specifier !== undefined && { module: specifier }) });
    this.#stopped.add(threadId);
    this.#hooks.stop(threadId);
  }
}
