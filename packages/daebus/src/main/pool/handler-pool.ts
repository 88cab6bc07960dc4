import type { MessagePort, Worker } from 'node:worker_threads';
import type Piscina from 'piscina';
import { monotonicMs } from '../../shared/clock';
import { DaebusError, ErrorCodes, fromPlainError, toPlainError } from '../../shared/errors';
import { unreadable } from '../../shared/cloneable';
import { SoloMap } from '../../shared/solo-map';
import { isCoreMessage } from '../../shared/protocol/core';
import {
  LOADING_CALL,
  POOL_HUNG_KEY,
  POOL_LOG_KEY,
  POOL_PRELOAD_KEY,
  POOL_RUNNING_KEY,
  type PoolEnvelope,
  type PooledResult,
  type PooledTask,
  type PooledToMain,
  type PoolPreload,
} from '../../shared/protocol/pool';
import type { Logger } from '../support/logger';
import { markReported } from '../support/reported';
import { WorkerConnection, type WorkerServices } from '../workers/connection';
import { endWorkers, terminate } from '../workers/ending-workers';
import { createPiscina } from './create-piscina';
import { PoolLogGate } from './pool-log';
import { RunningCall, type PooledCall } from './running-call';
import { MAX_CALL_ID, RunningTable } from './running-table';
import { pooledName, refuseExpired, taskFailedError, timedOutError } from './call-errors';
import { LoadWatch } from './load-watch';
import { WorkerPorts } from './worker-ports';
import { poolStats, type PoolStats } from './pool-stats';

export type { PooledCall } from './running-call';
export type { PoolStats } from './pool-stats';

/** How often running calls are checked against their timeouts (a timeout fires up to this late). */
const SWEEP_MS = 25;

/** Turns of the event loop an answer waits for messages its call sent (on a new worker's port: until its hand-over is read). */
const MAX_DELIVERY_TURNS = 100;

/**
 * Runs CPU-heavy handlers on a piscina pool so the main event loop stays free. Progress, logs
 * and shared state of every call travel on its worker's own port (see WorkerPorts), tagged with
 * the call's id. A call past its timeout, or cancelled at shutdown, is aborted: its caller is
 * answered at once; if a worker runs it, that worker is stopped (piscina starts another), and
 * if it still waits for one, it is skipped.
 */
export class HandlerPool {
  readonly #maxWorkers: number;
  readonly #services: WorkerServices;
  readonly #logger: Logger;
  /** The handler modules each worker loads as it starts: those registered before the pool starts. */
  readonly #preloads: () => PoolPreload[];
  /**
   * Running or queued calls by id: where each one's messages go, and when it times out (one sweeper,
   * not a timer per call). A SoloMap: calls one at a time would make a Map rebuild its table on each.
   */
  readonly #calls = new SoloMap<number, RunningCall>();
  #sweeper?: NodeJS.Timeout;
  #logGate?: PoolLogGate;
  /** Serves what the workers send as they load their modules (call 0), made on its first message. */
  #loading?: WorkerConnection;
  #nextCall = 1;
  #pool?: Piscina;
  /** Set by cancelAll (a stop): a call that comes after is refused with it (STOPPED), not run (a closed pool was made again). */
  #refusal?: string;
  /** Tasks piscina counts as completed that were no call's run: skipped (dropped, cancelled) or handed out again. */
  #notRuns = 0;
  /** Which worker runs which call: room for the pool's workers and as many again still exiting. */
  readonly #running: RunningTable;
  /** Workers asked to stop: each is terminated once (see #stopThread). */
  readonly #terminated = new WeakSet<Worker>();
  /** Stops a worker whose module's top-level code blocks it as it loads, names one that ends it (made with the pool). */
  #loadWatch?: LoadWatch;
  /** Each worker's port; a worker's slot in the running table is freed once its port closes (the worker ended). */
  readonly #ports = new WorkerPorts(
    (envelope, port) => this.#route(envelope, port),
    (threadId) => (this.#loadWatch?.portClosed(threadId), this.#running.release(threadId)),
    (threadId, err) => this.#logger.error(unreadable(`pool worker ${threadId}`, err), { error: toPlainError(err) }),
  );

  constructor(maxWorkers: number, services: WorkerServices, logger: Logger, preloads: () => PoolPreload[] = () => []) {
    this.#maxWorkers = maxWorkers;
    this.#services = services;
    this.#logger = logger;
    this.#preloads = preloads;
    this.#running = new RunningTable(maxWorkers * 2 + 8);
  }

  run(call: PooledCall): Promise<unknown> {
    let pool: Piscina;
    try {
      if (this.#refusal !== undefined) throw markReported(new DaebusError(ErrorCodes.STOPPED, this.#refusal));
      refuseExpired(call); // its timeout came as it waited for a slot of its action: it does not run late
      pool = this.#ensurePool();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const id = this.#nextCall;
    this.#nextCall = id === MAX_CALL_ID ? 1 : id + 1;
    // built field by field: no spread on this hot path
    const task: PooledTask = {
      specifier: call.specifier,
      exportName: call.exportName,
      action: call.action,
      requestId: call.requestId,
      payload: call.payload,
      call: id,
    };
    if (call.loader !== undefined) task.loader = call.loader;
    const running = new RunningCall(id, call, task, this.#services);
    this.#calls.set(id, running);
    call.watcher?.watchCall(
      () => this.#cancel(running),
      (reason) => this.#drop(running, reason),
    );
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref(); // stopped by a sweep that finds no call: no timer per call
    this.#post(pool, running);
    return running.answer;
  }

  /** Hand `running`'s task to piscina: again if piscina had given it to a worker stopped as it loaded (see #stopThread). */
  #post(pool: Piscina, running: RunningCall): void {
    // no abort signal: piscina's bookkeeping for one costs more than the rest of a small call
    // here (see RunningTable); a synchronous throw settles the call as a rejection
    let settled: Promise<unknown>;
    try {
      settled = pool.run(running.task);
    } catch (err) {
      settled = Promise.reject(err as Error);
    }
    settled.then(
      (result: unknown) => this.#settle(running, result as PooledResult, 0),
      (err: unknown) => {
        // the worker ended (a crash, or stopped): what it sent before is read first
        this.#ports.drainAll();
        // that worker never ran it (it never got past its modules): another one may
        if (this.#loadWatch?.endedLoading === true && running.startedAt === undefined && !running.aborted && this.#pool === pool) {
          this.#notRuns++;
          return this.#post(pool, running);
        }
        if (this.#end(running)) running.reject(taskFailedError(pooledName(running.request), err, running.task.payload));
      },
    );
  }

  /**
   * Piscina settled a call's task: its caller is answered once every message the call sent was delivered (no
   * update after the reply), read from its worker's port now if not yet; a new worker's port waits for its hand-over.
   */
  #settle(running: RunningCall, result: PooledResult, turns: number): void {
    if ('skipped' in result) this.#notRuns++;
    if (running.received < result.sent && !running.aborted) {
      this.#ports.drainAll();
      if (running.received < result.sent && turns < MAX_DELIVERY_TURNS) {
        setImmediate(() => this.#settle(running, result, turns + 1));
        return;
      }
    }
    if (!this.#end(running)) return;
    if ('error' in result) running.reject(fromPlainError(result.error));
    else running.resolve(result.value);
  }

  /** The call is let go; false when it was aborted (its caller has its answer). */
  #end(running: RunningCall): boolean {
    this.#calls.delete(running.id);
    return !running.aborted;
  }

  /** Answer `running` with `reason` now, and stop the worker that runs it, if one does yet. */
  #abort(running: RunningCall, reason: Error): void {
    if (running.aborted) return;
    running.abort(reason);
    this.#stopWorkerOf(running);
  }

  /** Its caller gave up on `running`: drop it unrun if it waits for a worker, else stop the worker that runs it. */
  #cancel(running: RunningCall): void {
    // a call that already ended is not this pool's any more (and its id may be another's by now)
    if (this.#calls.get(running.id) !== running) return;
    const name = pooledName(running.request);
    this.#abort(running, new DaebusError(ErrorCodes.TIMEOUT, `${name} was cancelled: its caller gave up on it.`));
  }

  /**
   * Its caller has gone: drop `running` unrun if it still waits for a worker (its worker skips
   * it). One a worker took as this came runs on, as one running does: its worker is not stopped.
   */
  #drop(running: RunningCall, reason: Error): void {
    if (this.#calls.get(running.id) !== running || this.#running.workerRunning(running.id) !== undefined) return;
    running.dropped = true;
    running.abort(reason);
  }

  /**
   * Stop the worker running an aborted call. None may run it yet (the task waits in piscina's
   * queue, or was just handed to a worker that has not started it): each sweep (`now`) looks
   * again until piscina settles the task. A sweep also stops the worker that ended the call and
   * handed piscina a reply that is lost (see RunningCall.replyLost).
   */
  #stopWorkerOf(running: RunningCall, now?: number): void {
    let threadId = this.#running.workerRunning(running.id);
    if (threadId === undefined && now !== undefined) {
      const answeredBy = this.#running.workerAnswered(running.id);
      if (running.replyLost(answeredBy !== undefined, now)) threadId = answeredBy;
    }
    if (threadId !== undefined) this.#stopThread(threadId);
  }

  /** Stop worker `threadId`, once. */
  #stopThread(threadId: number): void {
    const worker = this.#pool?.threads.find((thread) => thread.threadId === threadId);
    // once: each terminate() adds an exit listener; one slow to exit, met by a sweep every 25 ms, drew MaxListenersExceededWarning
    if (!worker || this.#terminated.has(worker)) return;
    this.#terminated.add(worker);
    // piscina sees the worker exit: it fails the task (already answered here) and starts another worker
    void terminate(worker);
  }

  /** Its load now, for introspection and metrics (zeros before the first pooled call starts it). */
  stats(): PoolStats {
    return poolStats(this.#maxWorkers, this.#calls.size, this.#pool, this.#notRuns + (this.#loadWatch?.wakes ?? 0));
  }

  /** Start the workers now (the first pooled call does not wait for one to boot); if they cannot, said: each call tries again. */
  warm(): void {
    try {
      this.#ensurePool();
    } catch (err) {
      this.#logger.error(`The handler pool could not start its workers (${toPlainError(err).message}); each pooled call tries again.`);
    }
  }

  /** Abort every running or queued call, and run none after: each gets an error reply (a stop, after its grace period). */
  cancelAll(reason: string): Set<object> {
    this.#refusal = reason;
    const owners = new Set<object>();
    for (const running of this.#calls.values()) {
      if (running.request.owner) owners.add(running.request.owner);
      this.#abort(running, markReported(new DaebusError(ErrorCodes.STOPPED, reason)));
    }
    return owners;
  }

  /**
   * Cancel what still runs (a task run a stop named already as not waited for: its error is
   * `reason`, marked reported, not a crash), and end the workers.
   */
  async close(reason: string): Promise<void> {
    this.cancelAll(reason);
    this.#stopSweeper();
    this.#loadWatch?.close();
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await endWorkers(pool.threads, () => pool.destroy());
    this.#ports.closeAll();
  }

  #sweep(): void {
    this.#logGate?.refresh();
    if (this.#calls.size === 0) return this.#stopSweeper();
    const now = monotonicMs();
    // when each call started, and why those not started wait: its timeout's message tells a wait for a worker from its run
    const busy = this.#running.forEachRunning((id) => this.#calls.get(id)?.started(now));
    const starting = this.#running.someWorkerLoading() || (this.#pool?.threads.length ?? 0) > this.#running.liveWorkers();
    for (const running of this.#calls.values()) {
      running.waiting(busy, starting);
      // a dropped call a worker took anyway is stopped only past its timeout, as any call is
      if (running.aborted) {
        if (!running.dropped || now >= running.deadline) this.#stopWorkerOf(running, now);
      } else if (now >= running.deadline) this.#abort(running, timedOutError(running, this.#running, 2 * SWEEP_MS));
    }
  }

  #stopSweeper(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #route(envelope: PoolEnvelope<PooledToMain>, port: MessagePort): void {
    this.#logGate?.read(envelope.message);
    if (envelope.call !== LOADING_CALL) return this.#calls.get(envelope.call)?.receive(envelope.message, port);
    // a module's own logs as a worker loads it, before any call: served as a call's are, answered never
    const loading = (this.#loading ??= new WorkerConnection(
      () => false,
      this.#services,
      () => this.#logger,
    ));
    if (isCoreMessage(envelope.message)) loading.serve(envelope.message);
  }

  #ensurePool(): Piscina {
    if (!this.#pool) {
      this.#running.clear();
      this.#notRuns = 0;
      const preloads = this.#preloads();
      const hung = new Int32Array(new SharedArrayBuffer((2 * preloads.length + 1) * Int32Array.BYTES_PER_ELEMENT));
      this.#loadWatch?.close();
      this.#loadWatch = new LoadWatch(preloads, hung, this.#running, this.#logger, {
        pool: () => this.#pool,
        stop: (threadId) => this.#stopThread(threadId),
      });
      const pool = createPiscina(this.#logger, this.#maxWorkers, {
        [POOL_RUNNING_KEY]: this.#running.shared,
        [POOL_PRELOAD_KEY]: preloads,
        [POOL_HUNG_KEY]: hung,
        [POOL_LOG_KEY]: (this.#logGate ??= new PoolLogGate(this.#logger)).shared,
      });
      // each worker's port, handed over when it loads (its load is watched from then)
      pool.on('message', (message: unknown) => this.#loadWatch?.watch(this.#ports.adopt(message)));
      this.#pool = pool;
    }
    return this.#pool;
  }
}
