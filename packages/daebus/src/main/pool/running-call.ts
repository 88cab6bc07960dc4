import type { BroadcastChannel } from 'node:worker_threads';
import { monotonicMs } from '../../shared/clock';
import { isCoreMessage } from '../../shared/protocol/core';
import type { MainToPooled, PoolEnvelope, PooledToMain } from '../../shared/protocol/pool';
import type { Logger } from '../support/logger';
import { WorkerConnection, type WorkerServices } from '../workers/connection';
import { CallAbort } from './call-abort';

/** What a pooled call needs of its request: where its updates go, and its logger. */
export interface CallRequest {
  readonly action: string;
  readonly timeoutMs: number;
  /** Streamed updates from the handler, in order. */
  readonly onProgress: (payload: unknown) => void;
  /** The request's logger, asked for only when the handler logs. */
  readonly log: () => Logger;
}

/**
 * One pooled call while it runs or waits for a worker: its abort (the signal piscina gets), when
 * it times out, and where the messages its handler sends go. One object per call.
 */
export class RunningCall extends CallAbort {
  readonly id: number;
  readonly request: CallRequest;
  readonly deadline: number;
  readonly #channel: BroadcastChannel;
  readonly #services: WorkerServices;
  /** Made on the call's first shared-state message: most small handlers send none. */
  #connection: WorkerConnection | undefined;

  constructor(id: number, request: CallRequest, channel: BroadcastChannel, services: WorkerServices) {
    super();
    this.id = id;
    this.request = request;
    this.deadline = monotonicMs() + request.timeoutMs;
    this.#channel = channel;
    this.#services = services;
  }

  /** A message from the call's handler: an update for its caller, or a request of the shared state. */
  receive(message: PooledToMain): void {
    if (!isCoreMessage(message)) {
      this.request.onProgress(message.payload);
      return;
    }
    this.#connection ??= new WorkerConnection((reply) => this.#reply(reply), this.#services, this.request.log);
    this.#connection.serve(message);
  }

  /** The call is over: what its handler opened on the main side is let go. */
  release(): void {
    this.#connection?.release();
  }

  #reply(reply: MainToPooled): boolean {
    try {
      this.#channel.postMessage({ call: this.id, message: reply } satisfies PoolEnvelope<MainToPooled>);
      return true;
    } catch {
      return false;
    }
  }
}
