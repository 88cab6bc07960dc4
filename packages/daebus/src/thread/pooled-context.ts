import type { MessageSink } from '../shared/protocol/core';
import type { PooledToMain } from '../shared/protocol/pool';
import { progressPayload } from '../shared/progress';
import { notCloneable } from '../shared/cloneable';
import { jsonCopy } from './json-copy';
import { WorkerContext, type WorkerChannel } from './worker-context';
import { brandClass } from '../shared/class-brand';

/** The second argument of a pooled handler: this call's request, streaming, logs and shared state. */
export class PooledContext extends WorkerContext {
  /** The action this call runs for; a pooled task's name, or a pooled route's methods and path (`GET /users/<id>`). */
  readonly action: string;
  /** The request's `request_id`; undefined for a background task, or a request sent without one. */
  readonly requestId: string | undefined;
  readonly #port: MessageSink<PooledToMain>;

  /** `call`: the call's end of the pool's channel, with its logger and link. */
  constructor(init: { action: string; requestId: string | undefined; call: MessageSink<PooledToMain> & WorkerChannel }) {
    super(init.call);
    this.action = init.action;
    this.requestId = init.requestId;
    this.#port = init.call;
  }

  /**
   * Stream an update to the caller before the final reply (the handler's return value). It is
   * sent as JSON, as the reply is (a toJSON() is followed, functions left out); data nested too
   * deep for the main thread throws NOT_CLONEABLE.
   */
  send(data: unknown): void {
    const value = data === undefined ? {} : data;
    const copy = jsonCopy(value, 'a pooled update');
    if ('error' in copy) throw copy.error;
    try {
      this.#port.postMessage({ type: 'progress', payload: copy.value === undefined ? {} : copy.value });
    } catch (err) {
      // what the checks could not see (a getter that gives a Promise when read again)
      throw notCloneable('a pooled update', err, value);
    }
  }

  /**
   * Stream a progress update as Python Daebus does, and as an ordinary action's response.progress:
   * `progress_percentage` (clamped to 0-100) added to `data`, data not an object sent as `{ data }`.
   * Throws INVALID_ARGUMENT when `percentage` is not a number.
   */
  progress(percentage: number, data: unknown = {}): void {
    this.send(progressPayload(percentage, data));
  }
}

brandClass(PooledContext, 'PooledContext');
