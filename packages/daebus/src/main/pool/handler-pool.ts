import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { BroadcastChannel, type MessagePort } from 'node:worker_threads';
import type Piscina from 'piscina';
import { monotonicMs } from '../../shared/clock';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { POOL_CHANNEL_KEY, POOL_POSTED_KEY, type PoolEnvelope, type PooledTask, type PooledToMain } from '../../shared/protocol/pool';
import type { Logger } from '../support/logger';
import type { WorkerServices } from '../workers/connection';
import { drainPort } from '../workers/drain';
import { poolWorkerEntry } from '../workers/worker-path';
import type { CallAbort } from './call-abort';
import { RunningCall, type CallRequest } from './running-call';

/** How often running calls are checked against their timeouts (a timeout fires up to this late). */
const SWEEP_MS = 25;

/** What one pooled call runs (the task a pool worker gets, but for its channel id) and how long it may take. */
export interface PooledCall extends Omit<PooledTask, 'call' | 'action'>, CallRequest {}

/** A pool's load: `utilization` is piscina's (time running tasks over the capacity of its workers, 0..1). */
export interface PoolStats {
  maxWorkers: number;
  threads: number;
  /** Calls taken and not finished (running or waiting for a worker). */
  running: number;
  /** Calls waiting for a worker. */
  queued: number;
  utilization: number;
  completed: number;
}

/**
 * Runs CPU-heavy handlers on a piscina pool so the main event loop stays free. Progress, logs
 * and shared state of every call travel on one BroadcastChannel per pool, tagged with the
 * call's id. A call past its timeout, or cancelled at shutdown, is aborted: piscina ends that
 * worker and starts another.
 */
export class HandlerPool {
  readonly #maxWorkers: number;
  readonly #services: WorkerServices;
  readonly #logger: Logger;
  /** Running or queued calls by id: where each one's messages go, and when it times out (one sweeper, not a timer per call). */
  readonly #calls = new Map<number, RunningCall>();
  #sweeper?: NodeJS.Timeout;
  #nextCall = 1;
  #pool?: Piscina;
  #channel?: BroadcastChannel;
  /** Messages the workers posted on the channel, and the ones received here (both wrap as int32). */
  readonly #posted = new Int32Array(new SharedArrayBuffer(4));
  #received = 0;

  constructor(maxWorkers: number, services: WorkerServices, logger: Logger) {
    this.#maxWorkers = maxWorkers;
    this.#services = services;
    this.#logger = logger;
  }

  run(call: PooledCall): Promise<unknown> {
    let pool: Piscina;
    try {
      pool = this.#ensurePool();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const id = this.#nextCall++;
    const running = new RunningCall(id, call, this.#channel as BroadcastChannel, this.#services);
    this.#calls.set(id, running);
    // stopped by a sweep that finds nothing running, not after each call: no timer per call
    this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS).unref();
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
    // no async function: its own promise and the await's cost a few hundred bytes a call; a
    // synchronous throw still settles the call as a rejection, as it did in one
    let settled: Promise<unknown>;
    try {
      settled = pool.run(task, { signal: running });
    } catch (err) {
      settled = Promise.reject(err as Error);
    }
    return settled.then(
      (value: unknown) => {
        this.#end(running);
        return value;
      },
      (err: unknown) => {
        this.#end(running);
        throw describeFailure(call.action, running, err);
      },
    );
  }

  /** A call settled: its last updates are delivered before its reply goes out, and it is let go. */
  #end(running: RunningCall): void {
    // the call's last updates are queued already (reading the channel only when some are: most calls send none)
    if (Atomics.load(this.#posted, 0) !== this.#received) this.#drain();
    this.#calls.delete(running.id);
    running.release();
  }

  /** Its load now, for introspection and metrics (zeros before the first pooled call starts it). */
  stats(): PoolStats {
    const pool = this.#pool;
    return {
      maxWorkers: this.#maxWorkers,
      threads: pool?.threads.length ?? 0,
      running: this.#calls.size,
      queued: pool?.queueSize ?? 0,
      utilization: pool?.utilization ?? 0,
      completed: pool?.completed ?? 0,
    };
  }

  /** Start the pool's workers now, so the first pooled call does not wait for a worker to boot. */
  warm(): void {
    this.#ensurePool();
  }

  /** Abort every running or queued call: each gets an error reply (shutdown after the grace period). */
  cancelAll(reason: string): void {
    for (const running of this.#calls.values()) running.abort(new DaebusError(ErrorCodes.STOPPED, reason));
  }

  async close(): Promise<void> {
    this.#stopSweeper();
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await pool.destroy();
    this.#channel?.close();
    this.#channel = undefined;
  }

  #sweep(): void {
    if (this.#calls.size === 0) return this.#stopSweeper();
    const now = monotonicMs();
    for (const running of this.#calls.values()) {
      if (now >= running.deadline && !running.aborted) {
        const { action, timeoutMs } = running.request;
        running.abort(
          new DaebusError(ErrorCodes.TIMEOUT, `Pooled action "${action}" ran past its timeout of ${timeoutMs} ms; its worker was stopped.`),
        );
      }
    }
  }

  #stopSweeper(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #route(envelope: PoolEnvelope<PooledToMain>): void {
    this.#received = (this.#received + 1) | 0;
    this.#calls.get(envelope.call)?.receive(envelope.message);
  }

  #drain(): void {
    // Node reads a BroadcastChannel like a port here; its typings only name MessagePort
    if (this.#channel) drainPort<PoolEnvelope<PooledToMain>>(this.#channel as unknown as MessagePort, (envelope) => this.#route(envelope));
  }

  #ensurePool(): Piscina {
    if (!this.#pool) {
      const name = `daebus-pool-${randomUUID()}`;
      // a new pool's count starts over (what the last one's workers posted and nobody read is gone)
      Atomics.store(this.#posted, 0, 0);
      this.#received = 0;
      const channel = new BroadcastChannel(name);
      channel.unref();
      channel.onmessage = (event) => this.#route((event as { data: PoolEnvelope<PooledToMain> }).data);
      this.#channel = channel;
      // piscina is loaded on first use: a service without pooled work never starts the pool
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Piscina: PiscinaPool } = require('piscina') as typeof import('piscina');
      // minThreads workers stay up; more start under load and end after idleTimeout
      const pool = new PiscinaPool({
        filename: poolWorkerEntry(),
        maxThreads: this.#maxWorkers,
        minThreads: Math.min(this.#maxWorkers, Math.max(1, Math.floor(availableParallelism() / 2))),
        idleTimeout: 30_000,
        workerData: { [POOL_CHANNEL_KEY]: name, [POOL_POSTED_KEY]: this.#posted },
      });
      // with no listener, a pool 'error' event would end the process
      pool.on('error', (err: unknown) => this.#logger.error(`The handler pool reported an error: ${toPlainError(err).message}`));
      this.#pool = pool;
    }
    return this.#pool;
  }
}

function describeFailure(action: string, abort: CallAbort, err: unknown): Error {
  if (abort.aborted && abort.reason instanceof Error) return abort.reason;
  const plain = toPlainError(err);
  if (plain.code) return err instanceof Error ? err : new DaebusError(plain.code, plain.message);
  if (/worker (exited|terminated)|terminat/i.test(plain.message)) {
    return new DaebusError(
      ErrorCodes.HANDLER_ERROR,
      `Pooled action "${action}" crashed its worker (${plain.message}); the pool replaced it.`,
    );
  }
  return err instanceof Error ? err : new DaebusError(ErrorCodes.HANDLER_ERROR, plain.message);
}
