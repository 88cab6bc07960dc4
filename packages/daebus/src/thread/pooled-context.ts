import type { MessageSink } from '../shared/protocol/core';
import type { PooledToMain } from '../shared/protocol/pool';
import { WorkerContext, type WorkerChannel } from './worker-context';

/** The second argument of a pooled handler: this call's request, streaming, logs and shared state. */
export class PooledContext extends WorkerContext {
  readonly action: string;
  readonly requestId: string | undefined;
  readonly #port: MessageSink<PooledToMain>;

  /** `call`: the call's end of the pool's channel, with its logger and link. */
  constructor(init: { action: string; requestId: string | undefined; call: MessageSink<PooledToMain> & WorkerChannel }) {
    super(init.call);
    this.action = init.action;
    this.requestId = init.requestId;
    this.#port = init.call;
  }

  /** Stream an update to the caller before the final reply (the handler's return value). */
  send(data: unknown): void {
    this.#port.postMessage({ type: 'progress', payload: data ?? {} });
  }

  /** Stream a progress update as Python Daebus does: `progress_percentage` added to the payload. */
  progress(percentage: number, data: Record<string, unknown> = {}): void {
    this.send({ ...data, progress_percentage: percentage });
  }
}
