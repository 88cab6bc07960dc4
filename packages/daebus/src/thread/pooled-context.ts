import { SharedList, SharedMap, SharedQueue, checkListMax, checkStructureName } from '../shared/state-api';
import type { MessagePort } from 'node:worker_threads';
import type { ThreadToMain } from '../shared/protocol';
import type { MainLink } from './link';
import type { ThreadLogger } from './log';

/** The second argument of a pooled handler: this call's request, streaming, logs and shared state. */
export class PooledContext {
  readonly action: string;
  readonly requestId: string | undefined;
  readonly log: ThreadLogger;
  readonly #port: MessagePort;
  readonly #link: MainLink;

  constructor(init: { action: string; requestId: string | undefined; log: ThreadLogger; port: MessagePort; link: MainLink }) {
    this.action = init.action;
    this.requestId = init.requestId;
    this.log = init.log;
    this.#port = init.port;
    this.#link = init.link;
  }

  /** Stream an update to the caller before the final reply (the handler's return value). */
  send(data: unknown): void {
    this.#port.postMessage({ type: 'progress', payload: data ?? {} } satisfies ThreadToMain);
  }

  /** Stream a progress update as Python Daebus does: `progress_percentage` added to the payload. */
  progress(percentage: number, data: Record<string, unknown> = {}): void {
    this.send({ ...data, progress_percentage: percentage });
  }

  map<V = unknown>(name: string): SharedMap<V> {
    return new SharedMap<V>(checkStructureName('ctx.map', name), (call) => this.#link.stateCall(call));
  }

  queue<T = unknown>(name: string): SharedQueue<T> {
    return new SharedQueue<T>(checkStructureName('ctx.queue', name), (call) => this.#link.stateCall(call));
  }

  list<T = unknown>(name: string, options: { max?: number } = {}): SharedList<T> {
    const checked = checkStructureName('ctx.list', name);
    return new SharedList<T>(checked, (call) => this.#link.stateCall(call), checkListMax(checked, options.max));
  }

  broadcast(channel: string, payload: unknown): Promise<number> {
    return this.#link.broadcast(channel, payload);
  }
}
