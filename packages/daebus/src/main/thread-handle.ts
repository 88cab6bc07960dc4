import { DaebusError, ErrorCodes } from '../shared/errors';
import type { ThreadSnapshot, ThreadStopResult } from './thread-types';

interface HandleHost {
  readonly threads: Record<string, ThreadSnapshot>;
  startThread(name: string): Promise<ThreadSnapshot>;
  stopThread(name: string, timeoutMs?: number): Promise<ThreadStopResult>;
}

interface Messenger {
  request(type: string, payload: unknown, timeoutMs?: number): Promise<unknown>;
  post(type: string, payload: unknown): void;
}

/** A registered thread, as `app.thread(name)` returns it. */
export class ThreadHandle {
  readonly name: string;
  readonly #host: HandleHost;
  readonly #messenger: Messenger;

  constructor(host: HandleHost, name: string, messenger: Messenger) {
    this.#host = host;
    this.name = name;
    this.#messenger = messenger;
  }

  /**
   * Ask the thread something: its `t.on(type, handler)` answers. Rejects at once with
   * THREAD_NOT_RUNNING (saying whether it is stopped, restarting or failed), with TIMEOUT after
   * `timeoutMs` (default 5 000), or with the handler's error.
   */
  async request<R = unknown>(type: string, payload?: unknown, options: { timeoutMs?: number } = {}): Promise<R> {
    if (options.timeoutMs !== undefined && !(typeof options.timeoutMs === 'number' && options.timeoutMs > 0)) {
      throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `request("${type}", payload, { timeoutMs }): timeoutMs must be a number > 0.`);
    }
    return (await this.#messenger.request(type, payload, options.timeoutMs)) as R;
  }

  /** Send the thread a message without waiting for an answer; throws THREAD_NOT_RUNNING unless it runs. */
  post(type: string, payload?: unknown): void {
    this.#messenger.post(type, payload);
  }

  /** The thread's record now. */
  get status(): ThreadSnapshot {
    return this.#host.threads[this.name] as ThreadSnapshot;
  }

  start(): Promise<ThreadSnapshot> {
    return this.#host.startThread(this.name);
  }

  stop(timeoutMs?: number): Promise<ThreadStopResult> {
    return this.#host.stopThread(this.name, timeoutMs);
  }
}
