import { LOAD_STUCK, LOADING_SEVERAL, oneByOneField, PRELOAD_WAIT_MS, type PoolPreload } from '../../shared/protocol/pool';
import type { Logger } from '../support/logger';
import type { RunningTable } from './running-table';

/**
 * How long past PRELOAD_WAIT_MS a worker may still be loading its modules before the main side
 * takes its event loop for blocked: the worker's own wait ends at PRELOAD_WAIT_MS, unless
 * synchronous code (a module's top-level endless loop) keeps its timer from ever firing.
 */
const STUCK_GRACE_MS = 1_000;

/**
 * Watches each pool worker as it loads the handler modules registered before the pool started.
 * A module's top-level code that runs synchronously for ever blocks its worker, which then can
 * neither log nor mark the module as the worker does for a top-level await that never settles:
 * here the main side finds such a worker still loading after PRELOAD_WAIT_MS, names the module it
 * started last (logged once), marks it LOAD_STUCK so that later workers skip it and calls that
 * need it fail at once, and stops the worker (piscina starts another; the calls it had given that worker go to another).
 */
export class LoadWatch {
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #preloads: PoolPreload[];
  readonly #hung: Int32Array;
  readonly #running: RunningTable;
  readonly #logger: Logger;
  readonly #stop: (threadId: number) => void;

  constructor(preloads: PoolPreload[], hung: Int32Array, running: RunningTable, logger: Logger, stop: (threadId: number) => void) {
    this.#preloads = preloads;
    this.#hung = hung;
    this.#running = running;
    this.#logger = logger;
    this.#stop = stop;
  }

  /** Worker `threadId` began loading (its hello came; undefined: a message that is not one). Checked once, even if it ended by then. */
  watch(threadId: number | undefined): void {
    if (threadId === undefined || this.#preloads.length === 0) return;
    this.#timers.set(threadId, setTimeout(() => this.#check(threadId), PRELOAD_WAIT_MS + STUCK_GRACE_MS).unref());
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
    this.#stop(threadId);
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
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
    this.#stop(threadId);
  }
}
