import type { AnyMessages, MessagesOf, NameOf, PayloadArgs, ResultOf } from '../../shared/contract';
import { checker, isName, isTimeout } from '../../shared/validate';
import type { ThreadSnapshot, ThreadStopResult } from './events';
import type { ThreadRunner } from './runner';

/** Names, for the type checker only, the contract a handle is typed by (no value at run time). */
declare const messagesType: unique symbol;

/**
 * A registered thread, as `app.thread(name)` returns it. `app.thread<Messages>(name)` types its
 * `request` and `post` with the thread's message contract (the one its `defineThread` names).
 */
export class ThreadHandle<Messages extends object = AnyMessages> {
  /**
   * For the type checker only: a handle typed by some messages passes as an untyped one, but an
   * untyped one, or one typed by other messages, does not pass as it. (An `out` annotation is
   * refused: the conditional types of `request`'s arguments hide how they use the contract.)
   */
  declare readonly [messagesType]?: Messages;
  /** The thread's name. */
  readonly name: string;
  readonly #runner: ThreadRunner;
  readonly #start: () => Promise<void>;

  /** `start` starts the thread as `app.startThread` does (refused while the service stops). */
  constructor(runner: ThreadRunner, start: () => Promise<void>) {
    this.name = runner.name;
    this.#runner = runner;
    this.#start = start;
  }

  /**
   * Ask the thread something: its `t.on(type, handler)` answers. Rejects at once with
   * THREAD_NOT_RUNNING (saying whether it is stopped, starting or restarting) or THREAD_FAILED,
   * with TIMEOUT after `timeoutMs` (default 5 000), or with the handler's error.
   */
  async request<K extends NameOf<MessagesOf<Messages>>>(
    type: K,
    ...args: PayloadArgs<MessagesOf<Messages>, K, [options?: { timeoutMs?: number | undefined }]>
  ): Promise<ResultOf<MessagesOf<Messages>, K>> {
    const [payload, options = {}] = args as [unknown, { timeoutMs?: number | undefined }?];
    const { timeoutMs } = options;
    if (!isName(type) || (timeoutMs !== undefined && !isTimeout(timeoutMs))) {
      const check = checker(`thread "${this.name}": request("${String(type)}")`, 'INVALID_ARGUMENT');
      check.name('type', type);
      check.timeout('options.timeoutMs', timeoutMs);
    }
    // left out, as an action's: the handler gets {} (the contract lets it be left out when {} fits it)
    return (await this.#runner.request(type, payload === undefined ? {} : payload, timeoutMs)) as ResultOf<MessagesOf<Messages>, K>;
  }

  /** Send the thread a message without waiting for an answer; throws unless it runs. */
  post<K extends NameOf<MessagesOf<Messages>>>(type: K, ...args: PayloadArgs<MessagesOf<Messages>, K>): void {
    const [payload] = args as [unknown];
    if (!isName(type)) checker(`thread "${this.name}": post()`, 'INVALID_ARGUMENT').name('type', type);
    this.#runner.post(type, payload === undefined ? {} : payload);
  }

  /** The thread's record now. */
  get status(): ThreadSnapshot {
    return this.#runner.snapshot();
  }

  /** Start the thread (see `app.startThread`); resolves with its record once its function runs. */
  async start(): Promise<ThreadSnapshot> {
    await this.#start();
    return this.#runner.snapshot();
  }

  /** Stop the thread (see `app.stopThread`). */
  async stop(timeoutMs?: number): Promise<ThreadStopResult> {
    const timeout = timeoutMs === undefined ? undefined : checker(`stopThread("${this.name}")`).duration('timeoutMs', timeoutMs);
    return this.#runner.stop(timeout);
  }
}
