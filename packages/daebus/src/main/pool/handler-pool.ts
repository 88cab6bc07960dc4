import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type Piscina from 'piscina';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { PooledTask, ThreadToMain } from '../../shared/protocol';
import type { Logger } from '../logger';
import { PortClient } from '../state/store';
import { serveWorkerMessage, type WorkerServices } from '../worker-messages';

/** The pool's worker module, beside the thread entry in the built package. */
const POOL_WORKER = join(__dirname, '..', '..', 'thread', 'pool-worker.js');

/** What one pooled call runs and how long it may take. */
export interface PooledCall {
  specifier: string;
  exportName: string;
  action: string;
  requestId: string | undefined;
  payload: Record<string, unknown>;
  timeoutMs: number;
  /** Streamed updates from the handler, in order. */
  onProgress: (payload: unknown) => void;
  /** The request's logger. */
  log: Logger;
}

/**
 * Runs CPU-heavy handlers on a piscina pool so the main event loop stays free. Each call gets
 * its own MessageChannel for progress, logs and shared state. A call past its timeout, or
 * cancelled at shutdown, is aborted: piscina ends that worker and starts another.
 */
export class HandlerPool {
  readonly #maxWorkers: number;
  readonly #services: Omit<WorkerServices, 'log'>;
  readonly #logger: Logger;
  readonly #running = new Set<AbortController>();
  #pool?: Piscina;

  constructor(maxWorkers: number, services: Omit<WorkerServices, 'log'>, logger: Logger) {
    this.#maxWorkers = maxWorkers;
    this.#services = services;
    this.#logger = logger;
  }

  /** Calls running or queued now. */
  get active(): number {
    return this.#running.size;
  }

  async run(call: PooledCall): Promise<unknown> {
    const pool = this.#ensurePool();
    const { port1, port2 } = new MessageChannel();
    const services: WorkerServices = { ...this.#services, log: call.log };
    const client = new PortClient((message) => {
      try {
        port1.postMessage(message);
        return true;
      } catch {
        return false;
      }
    });
    const onMessage = (message: ThreadToMain): void => {
      if (serveWorkerMessage(message, client, services)) return;
      if (message.type === 'progress') call.onProgress(message.payload);
    };
    port1.on('message', onMessage);
    const abort = new AbortController();
    this.#running.add(abort);
    const timer = setTimeout(
      () =>
        abort.abort(
          new DaebusError(
            ErrorCodes.TIMEOUT,
            `Pooled action "${call.action}" ran past its timeout of ${call.timeoutMs} ms; its worker was stopped.`,
          ),
        ),
      call.timeoutMs,
    );
    const task: PooledTask = {
      specifier: call.specifier,
      exportName: call.exportName,
      action: call.action,
      requestId: call.requestId,
      payload: call.payload,
      port: port2,
    };
    try {
      return await pool.run(task, { transferList: [port2], signal: abort.signal });
    } catch (err) {
      throw describeFailure(call.action, abort.signal, err);
    } finally {
      clearTimeout(timer);
      this.#running.delete(abort);
      for (let left = receiveMessageOnPort(port1); left !== undefined; left = receiveMessageOnPort(port1))
        onMessage(left.message as ThreadToMain);
      client.release();
      port1.close();
    }
  }

  /** Start the pool's workers now, so the first pooled call does not wait for a worker to boot. */
  warm(): void {
    this.#ensurePool();
  }

  /** Abort every running or queued call: each gets an error reply (shutdown after the grace period). */
  cancelAll(reason: string): void {
    for (const abort of this.#running) abort.abort(new DaebusError(ErrorCodes.STOPPED, reason));
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool) await pool.destroy();
  }

  #ensurePool(): Piscina {
    if (!this.#pool) {
      // piscina is loaded on first use: a service without pooled work never starts the pool
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Piscina: PiscinaPool } = require('piscina') as typeof import('piscina');
      // minThreads workers stay up; more start under load and end after idleTimeout
      const pool = new PiscinaPool({
        filename: POOL_WORKER,
        maxThreads: this.#maxWorkers,
        minThreads: Math.min(this.#maxWorkers, Math.max(1, Math.floor(availableParallelism() / 2))),
        idleTimeout: 30_000,
      });
      // with no listener, a pool 'error' event would end the process
      pool.on('error', (err: unknown) => this.#logger.error(`The handler pool reported an error: ${toPlainError(err).message}`));
      this.#pool = pool;
    }
    return this.#pool;
  }
}

function describeFailure(action: string, signal: AbortSignal, err: unknown): Error {
  if (signal.aborted && signal.reason instanceof Error) return signal.reason;
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
