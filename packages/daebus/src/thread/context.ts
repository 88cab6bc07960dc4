import type { AnyMessages, MessagesOf, NameOf, PayloadOf, ResultOf } from '../shared/contract';
import type { MessageHandler, ThreadInbox } from './inbox';
import type { MainLink } from './link';
import type { ThreadLogger } from './log';
import { createRunning, sleep, sleepSync } from './running';
import type { StopHook, ThreadStop } from './stop';
import { WorkerContext } from './worker-context';
import { brandClass } from '../shared/class-brand';

/**
 * The second argument of a thread function: everything a thread needs from the framework.
 * Made once per thread start by the runtime. `Data` types `workerData`; `Messages` types the
 * messages the thread answers with `t.on` (see `defineThread`).
 */
// `out`: see AnyContract
export class ThreadContext<Data = unknown, out Messages extends object = AnyMessages> extends WorkerContext {
  /** The name the thread was registered under. */
  readonly name: string;
  /** The `workerData` option given at registration (structured-cloned). */
  readonly workerData: Data;
  /** How many times the supervisor restarted this thread before this start (0 on the first). */
  readonly restarts: number;
  /** Same as the first argument of the thread function. */
  readonly running: () => boolean;

  readonly #flags: Int32Array;
  readonly #inbox: ThreadInbox;
  readonly #stop: ThreadStop;

  constructor(init: {
    name: string;
    workerData: unknown;
    restarts: number;
    log: ThreadLogger;
    flags: Int32Array;
    stop: ThreadStop;
    link: MainLink;
    inbox: ThreadInbox;
  }) {
    super({ log: init.log, link: init.link });
    this.name = init.name;
    this.workerData = init.workerData as Data;
    this.restarts = init.restarts;
    this.#flags = init.flags;
    this.#inbox = init.inbox;
    this.#stop = init.stop;
    this.running = createRunning(init.flags);
  }

  /**
   * Aborted when a stop is requested: hand it to anything that waits on I/O (fetch, sockets,
   * `events.once`) so the wait ends with the stop. Reading it checks the flag, so once
   * `running()` or a sleep has reported the stop, `t.signal.aborted` is true.
   */
  get signal(): AbortSignal {
    return this.#stop.signal;
  }

  /**
   * Answer messages of `type` sent with `app.thread(name).request(type, payload)` (the handler's
   * return value is the reply) or `.post(type, payload)`. Handlers run between the thread's own
   * awaits: a thread that never yields (a synchronous CPU loop) cannot answer.
   */
  on<K extends NameOf<MessagesOf<Messages>>>(
    type: K,
    handler: (
      payload: PayloadOf<MessagesOf<Messages>, K>,
    ) => ResultOf<MessagesOf<Messages>, K> | Promise<ResultOf<MessagesOf<Messages>, K>>,
  ): void {
    this.#inbox.on(type, handler as MessageHandler);
  }

  /** Stop answering messages of `type` (undo `t.on(type, ...)`); a request of it then gets NO_HANDLER. */
  off(type: NameOf<MessagesOf<Messages>>): void {
    this.#inbox.off(type);
  }

  /**
   * Wait `ms` milliseconds without blocking the thread's event loop; returns early, at once,
   * when the thread is asked to stop. Resolves `true` while the thread should keep running.
   */
  async sleep(ms: number): Promise<boolean> {
    return this.#seen(await sleep(this.#flags, ms));
  }

  /**
   * Block the thread for `ms` milliseconds (for synchronous, CPU-bound code); returns early, at
   * once, when the thread is asked to stop. Returns `true` while the thread should keep running.
   */
  sleepSync(ms: number): boolean {
    return this.#seen(sleepSync(this.#flags, ms));
  }

  /**
   * Run `fn` once when a stop is requested (soon after, if one already was), and before the
   * thread ends. A promise it returns is awaited; an error it throws is logged.
   */
  onStop(fn: StopHook): void {
    this.#stop.add(fn);
  }

  /** A sleep reported the stop: abort the signal before the thread acts on it. */
  #seen(running: boolean): boolean {
    if (!running) this.#stop.notice();
    return running;
  }
}

brandClass(ThreadContext, 'ThreadContext');
