import type { MessagePort } from 'node:worker_threads';
import { monotonicMs } from '../../shared/clock';
import { isCoreMessage } from '../../shared/protocol/core';
import type { MainToPooled, PoolEnvelope, PooledTask, PooledToMain } from '../../shared/protocol/pool';
import type { Logger } from '../support/logger';
import { WorkerConnection, type WorkerServices } from '../workers/connection';

/** How long a sweep sees a reply handed to piscina and not delivered before it takes it for lost (see replyLost). */
const LOST_REPLY_MS = 1_000;

/** What a pooled call needs of its request: where its updates go, and its logger. */
/** What a pooled call runs for, as its errors name it ("Pooled route "GET /x" ran past..."). */
export type PooledKind = 'action' | 'route' | 'task';

export interface CallRequest {
  readonly action: string;
  /** An action's by default. */
  readonly kind?: PooledKind;
  readonly timeoutMs: number;
  /** When the request arrived (monotonic ms), if before the call: its timeout counts from then, a wait for a slot of its action included. */
  readonly arrivedAt?: number | undefined;
  /** Streamed updates from the handler, in order. */
  onProgress(payload: unknown): void;
  /** The request's logger, asked for only when the handler logs. */
  log(): Logger;
  /** What the call answers for (an action request's response): a stop tells the requests it cancelled by it. */
  readonly owner?: object;
}

/**
 * A caller that can give up on its call or go away: an HTTP route's request (see RouteCall). It
 * tells the pool with plain callbacks: an AbortController and a listener on its signal, per call,
 * cost a trivial pooled route about a tenth of its throughput.
 */
export interface CallWatcher {
  /**
   * `cancel` runs when the caller gives up (an HTTP route past its timeout: the call is cancelled,
   * its worker freed); `gone` when it goes away (its client closed the connection: the call is
   * dropped, answered with `reason`, if no worker runs it yet; one that runs runs on), at once if
   * it has gone already. Each at most once.
   */
  watchCall(cancel: () => void, gone: (reason: Error) => void): void;
}

/** What one pooled call runs (the task a pool worker gets, but for its call id) and how long it may take. */
export interface PooledCall extends Omit<PooledTask, 'call' | 'action'>, CallRequest {
  readonly watcher?: CallWatcher | undefined;
}

/**
 * One pooled call while it runs or waits for a worker: when it times out, where the messages its
 * handler sends go, and how its caller is answered. An aborted call (timeout, shutdown) is
 * answered at once; it stays in the pool's table until piscina settles its task, so that the
 * worker running it can be found and stopped. One object per call.
 */
export class RunningCall {
  readonly id: number;
  readonly request: CallRequest;
  readonly task: PooledTask;
  readonly deadline: number;
  /** When the pool took it (monotonic ms): later than its request's arrival when it waited for a slot of its action. */
  readonly pooledAt: number;
  /** What the caller gets: settled when the task is, or at once by an abort. */
  readonly answer: Promise<unknown>;
  /** When a sweep first saw a worker run it (monotonic ms), up to a sweep's interval late. */
  startedAt: number | undefined = undefined;
  /** Answered with an abort's error; what piscina settles the task with later is dropped. */
  aborted = false;
  /** Aborted because its caller went away before a worker took it: its worker, if one took it after all, runs it on. */
  dropped = false;
  /** When a sweep first found its reply handed to piscina and not delivered (monotonic ms). */
  #answeredSeenAt: number | undefined;
  #replyOverdue = false;
  #resolve!: (value: unknown) => void;
  #reject!: (err: Error) => void;
  /** Messages received from its handler: all it sent are read before its caller is answered. */
  received = 0;
  /** Its worker's port, where its handler's messages come from and the answers to them go. */
  #port: MessagePort | undefined;
  readonly #services: WorkerServices;
  /** Made on the call's first shared-state message: most small handlers send none. */
  #connection: WorkerConnection | undefined;

  constructor(id: number, request: CallRequest, task: PooledTask, services: WorkerServices) {
    this.id = id;
    this.request = request;
    this.task = task;
    this.answer = new Promise<unknown>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.pooledAt = monotonicMs();
    this.deadline = (request.arrivedAt ?? this.pooledAt) + request.timeoutMs;
    this.#services = services;
  }

  /** Whether a sweep saw, while it waited for a worker, workers busy with other calls, and workers still starting. */
  waitedOn = { busy: false, starting: false };

  /** A sweep saw a worker run it at `now`. */
  started(now: number): void {
    this.startedAt ??= now;
  }

  /** A sweep saw workers `busy` with calls, or `starting` (booting, loading the handler modules): said if it waits for a worker. */
  waiting(busy: boolean, starting: boolean): void {
    if (this.startedAt !== undefined || this.aborted) return;
    if (busy) this.waitedOn.busy = true;
    if (starting) this.waitedOn.starting = true;
  }

  /**
   * Whether its reply is lost: its worker handed it to piscina (`answered`), and it never came,
   * for the main thread could not read it; piscina would count that worker busy for ever. Told at
   * each sweep. Lost once one sweep found it overdue (LOST_REPLY_MS since a sweep first saw it
   * answered) and a later one still does: between two sweeps the event loop reads every message
   * already on the port, so a reply that was posted has settled the call by then, however busy the
   * main thread was. A reply still being copied (a very large one) can be taken for lost; it is
   * asked only of an aborted call, whose reply is dropped anyway.
   */
  replyLost(answered: boolean, now: number): boolean {
    if (!answered) return false;
    this.#answeredSeenAt ??= now;
    if (this.#replyOverdue) return true;
    this.#replyOverdue = now - this.#answeredSeenAt >= LOST_REPLY_MS;
    return false;
  }

  /** A message from the call's handler: an update for its caller, or a request of the shared state. */
  receive(message: PooledToMain, port: MessagePort): void {
    this.received += 1;
    this.#port = port;
    // its worker is being stopped, and its caller has its answer
    if (this.aborted) return;
    if (!isCoreMessage(message)) {
      this.request.onProgress(message.payload);
      return;
    }
    this.#connection ??= new WorkerConnection(
      (reply) => this.#reply(reply),
      this.#services,
      () => this.request.log(),
    );
    this.#connection.serve(message);
  }

  /** The call returned: its caller gets `value`, and what its handler opened on the main side is let go. */
  resolve(value: unknown): void {
    this.#connection?.release();
    this.#resolve(value);
  }

  /** The call failed: its caller gets `err`, and what its handler opened on the main side is let go. */
  reject(err: Error): void {
    this.#connection?.release();
    this.#reject(err);
  }

  /**
   * Answer the caller with `reason` now. A task still in piscina's queue is marked so that its
   * worker skips it (piscina posts a copy of the task object when a worker takes it).
   */
  abort(reason: Error): void {
    this.aborted = true;
    this.task.cancelled = true;
    this.reject(reason);
  }

  #reply(reply: MainToPooled): boolean {
    try {
      // an answer follows a request, so the port is known
      this.#port?.postMessage({ call: this.id, message: reply } satisfies PoolEnvelope<MainToPooled>);
      return this.#port !== undefined;
    } catch {
      return false;
    }
  }
}
