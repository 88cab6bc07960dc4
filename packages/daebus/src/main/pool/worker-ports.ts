import type { MessagePort } from 'node:worker_threads';
import { POOL_WORKER_KEY, type PoolEnvelope, type PooledToMain, type PoolWorkerHello } from '../../shared/protocol/pool';
import { drainPort } from '../workers/drain';

/** Where a message from a call's handler goes: its call, and the port to answer it on. */
export type RouteMessage = (envelope: PoolEnvelope<PooledToMain>, port: MessagePort) => void;

/**
 * The pool workers' own ports, by threadId: each worker hands the main side one end of a
 * MessageChannel when it loads (see POOL_WORKER_KEY), and its calls' messages travel on it. A
 * port closes when its worker has ended: `gone` is told then (the worker runs no code any more).
 */
export class WorkerPorts {
  readonly #ports = new Map<number, MessagePort>();
  readonly #route: RouteMessage;
  readonly #gone: (threadId: number) => void;
  readonly #unreadable: (threadId: number, err: unknown) => void;

  /** `unreadable` is told of a message from a worker that the main thread could not read (the port dropped it). */
  constructor(route: RouteMessage, gone: (threadId: number) => void, unreadable: (threadId: number, err: unknown) => void) {
    this.#route = route;
    this.#gone = gone;
    this.#unreadable = unreadable;
  }

  /** A message a pool worker posted on its parentPort (the pool's 'message' event): its port, if that is what it is (its threadId then). */
  adopt(message: unknown): number | undefined {
    if (!isHello(message)) return undefined;
    const threadId = message[POOL_WORKER_KEY];
    const { port } = message;
    this.#ports.set(threadId, port);
    port.on('message', (envelope: PoolEnvelope<PooledToMain>) => this.#route(envelope, port));
    port.on('messageerror', (err) => this.#unreadable(threadId, err));
    // the pool's workers keep the process alive while they run calls; their ports should not
    port.unref();
    // the worker ended (what it sent before is read first)
    port.once('close', () => {
      if (this.#ports.get(threadId) === port) this.#ports.delete(threadId);
      this.#gone(threadId);
    });
    return threadId;
  }

  /** Read every message already queued on every worker's port, now. */
  drainAll(): void {
    for (const [threadId, port] of this.#ports) {
      drainPort<PoolEnvelope<PooledToMain>>(
        port,
        (envelope) => this.#route(envelope, port),
        (err) => this.#unreadable(threadId, err),
      );
    }
  }

  closeAll(): void {
    for (const port of this.#ports.values()) port.close();
    this.#ports.clear();
  }
}

function isHello(message: unknown): message is PoolWorkerHello {
  return (
    typeof (message as Partial<PoolWorkerHello> | null)?.[POOL_WORKER_KEY] === 'number' && (message as PoolWorkerHello).port !== undefined
  );
}
