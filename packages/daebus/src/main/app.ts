import type { Redis } from 'ioredis';
import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';
import { SharedList, SharedMap, SharedQueue, checkListMax, checkStructureName } from '../shared/state-api';
import type { ActionHandler } from './actions/dispatcher';
import { clearActiveService, setActiveService } from './actions/globals';
import type { BackgroundFunction, BackgroundTask } from './background';
import type { Blueprint, BackgroundOptions, StartHook } from './blueprint';
import { ServiceBus, type ListenHandler } from './bus';
import type { ThreadEntry } from './entry';
import { directLogger, type Logger } from './logger';
import { resolveAppOptions, type DaebusOptions, type ResolvedAppOptions, type ThreadOptions } from './options';
import { HandlerPool } from './pool/handler-pool';
import type { PooledSpec } from './pool/pooled-spec';
import { Registry } from './registry';
import { guardProcess } from './process-guards';
import { installSignalHandlers } from './signals';
import { StateStore } from './state/store';
import { Supervisor } from './supervisor';
import { ThreadHandle } from './thread-handle';
import type { ThreadEvents, ThreadSnapshot, ThreadStopResult } from './thread-types';
import { RedisTransport } from './transport/redis';
import { resolveTransport, type TransportChoice } from './transport/resolve';
import { TypedEmitter } from './typed-emitter';

/**
 * Where requests come from: `transport: 'memory' | 'redis' | Transport`, `redis: url | ioredis
 * options`. Without either, `REDIS_URL` from the environment means Redis; otherwise memory.
 */
export interface StartOptions extends TransportChoice {
  /** The service name (Daebus's `app.run(service=...)`): the channel its actions are requested on. Default: the app's name. */
  service?: string;
}

export interface RunOptions extends StartOptions {
  /** Stop on SIGINT/SIGTERM (a second signal forces the stop). Default true. */
  handleSignals?: boolean;
  /**
   * Let an exception or rejection that escapes user code end the process, as Node does by
   * default. Default false: it is logged and the service goes on.
   */
  exitOnUncaughtError?: boolean;
}

export interface StopOptions {
  /** Wait this long for each thread instead of its own `shutdownTimeoutMs`. */
  timeoutMs?: number;
}

/**
 * A Daebus service: register threads, actions, listeners, background tasks, then `run()` it.
 *
 * ```ts
 * const app = new Daebus('my_service');
 * app.thread('worker', new URL('./worker.js', import.meta.url));
 * app.action('get_status', () => ({ status: 'healthy' }));
 * await app.run({ service: 'my_service' });
 * ```
 */
export class Daebus extends TypedEmitter<ThreadEvents> {
  readonly name: string;
  readonly logger: Logger;
  readonly #options: ResolvedAppOptions;
  readonly #supervisor: Supervisor;
  readonly #store = new StateStore();
  readonly #registry: Registry;
  readonly #handles = new Map<string, ThreadHandle>();
  #pool?: HandlerPool;
  #bus?: ServiceBus;
  #service?: string;
  #stopping?: Promise<void>;
  #exitCode = 0;
  #onStopped?: (code: number) => void;

  constructor(name = 'daebus', options: DaebusOptions = {}) {
    super((event, err) => this.logger.error(`A listener of the "${event}" event threw: ${toPlainError(err).message}`));
    if (typeof name !== 'string' || name.length === 0) {
      throw new DaebusError(ErrorCodes.INVALID_OPTION, `new Daebus(name): name must be a non-empty string (got ${String(name)}).`);
    }
    this.name = name;
    this.#options = resolveAppOptions(options);
    this.logger = this.#options.logger ?? directLogger;
    this.#supervisor = new Supervisor({
      logger: this.logger,
      emit: (event, ...args) => this.emit(event, ...args),
      onFailed: (thread) => this.#onThreadFailed(thread),
      store: this.#store,
      broadcast: (channel, payload) => this.broadcast(channel, payload),
      ...(this.#options.random ? { random: this.#options.random } : {}),
    });
    this.#registry = new Registry({
      logger: this.logger,
      supervisor: this.#supervisor,
      pool: () => this.#handlerPool(),
      onThread: (runner) => {
        this.#handles.set(runner.name, new ThreadHandle(this, runner.name, runner));
        this.#supervisor.startIfRunning(runner);
      },
      onListen: (channel) => {
        this.#bus
          ?.subscribeListeners(channel)
          .catch((err: unknown) => this.logger.error(`Could not listen on "${channel}": ${toPlainError(err).message}`));
      },
      onBackground: (task, immediately) => {
        if (this.#bus) task.start(immediately);
      },
    });
  }

  /** The service name given to `run()`/`start()` (the app's name until then). */
  get service(): string {
    return this.#service ?? this.name;
  }

  /**
   * Register an action: requests naming it run `handler(payload, context)`, which answers with
   * `response.send(...)`, or returns a value (sent as success) or throws (sent as an error).
   * Handlers run concurrently, each with its own `request`/`response`. `{ module, export?,
   * timeoutMs? }` instead of a function runs a CPU-heavy handler on the piscina pool.
   */
  action(name: string, handler: ActionHandler | PooledSpec): this {
    this.#registry.apply([{ kind: 'action', name, handler }], 'the app');
    return this;
  }

  /** Run `handler(payload, channel)` for every broadcast on `channel`. */
  listen(channel: string, handler: ListenHandler): this {
    this.#registry.apply([{ kind: 'listen', name: channel, handler }], 'the app');
    return this;
  }

  /**
   * Run `fn` every `intervalSeconds` while the service runs, never two runs at once; errors are
   * logged and the schedule goes on. `{ module }` runs it on the pool. Returns the task, whose
   * `intervalSeconds` can be changed at run time.
   */
  background(name: string, intervalSeconds: number, fn: BackgroundFunction | PooledSpec, options?: BackgroundOptions): BackgroundTask {
    this.#registry.apply([{ kind: 'background', name, intervalSeconds, run: fn, ...(options ? { options } : {}) }], 'the app');
    return this.#registry.background.get(name)?.task as BackgroundTask;
  }

  /** A registered background task. */
  backgroundTask(name: string): BackgroundTask {
    const found = this.#registry.background.get(name);
    if (!found) throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `No background task named "${name}" is registered.`);
    return found.task;
  }

  /** Run `hook` once the transport is connected and the threads are started; an error is logged with its name. */
  onStart(hook: StartHook): this {
    this.#registry.apply([{ kind: 'onStart', name: hook?.name || `hook ${this.#registry.hooks.length + 1}`, hook }], 'the app');
    return this;
  }

  /** Register everything `blueprint` declares; a name it shares with what is registered already is refused, and nothing of it is registered. */
  registerBlueprint(blueprint: Blueprint): this {
    this.#registry.apply(blueprint.registrations, `blueprint "${blueprint.name}"`);
    return this;
  }

  /**
   * Register a background thread, or get the handle of one registered already.
   *
   * `entry` is a module (path or file URL to built JavaScript) whose default export is
   * `defineThread((running, t) => ...)`, or a self-contained function sent to the worker as source.
   */
  thread(name: string): ThreadHandle;
  thread(name: string, entry: ThreadEntry, options?: ThreadOptions): ThreadHandle;
  thread(name: string, entry?: ThreadEntry, options?: ThreadOptions): ThreadHandle {
    if (entry === undefined) {
      this.#supervisor.get(name);
      return this.#handles.get(name) as ThreadHandle;
    }
    this.#registry.apply([{ kind: 'thread', name, entry, ...(options ? { options } : {}) }], 'the app');
    return this.#handles.get(name) as ThreadHandle;
  }

  /** A snapshot of every thread's record, by name. */
  get threads(): Record<string, ThreadSnapshot> {
    return this.#supervisor.snapshots();
  }

  /** Start a stopped, failed, completed or `autoStart: false` thread. Resolves when its function runs. */
  async startThread(name: string): Promise<ThreadSnapshot> {
    await this.#supervisor.start(name);
    return this.#supervisor.get(name).snapshot();
  }

  /** Stop one thread; it is terminated if it has not returned within `timeoutMs` (default: its `shutdownTimeoutMs`). */
  stopThread(name: string, timeoutMs?: number): Promise<ThreadStopResult> {
    if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs >= 0))) {
      return Promise.reject(
        new DaebusError(ErrorCodes.INVALID_OPTION, `stopThread("${name}", timeoutMs): timeoutMs must be a number >= 0.`),
      );
    }
    try {
      return this.#supervisor.get(name).stop(timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Publish `payload` (JSON) on `channel` of the running service's transport; resolves with the number of receivers. */
  broadcast(channel: string, payload: unknown): Promise<number> {
    if (!this.#bus) {
      return Promise.reject(
        new DaebusError(ErrorCodes.TRANSPORT_ERROR, `Service "${this.service}" is not started: broadcast after app.run() or app.start().`),
      );
    }
    return this.#bus.broadcast(channel, payload);
  }

  /** The Redis key/value client (Daebus's `cache`): the Redis transport's publishing connection. */
  get cache(): Redis {
    const transport = this.#bus?.transport;
    if (!(transport instanceof RedisTransport)) {
      throw new DaebusError(
        ErrorCodes.TRANSPORT_ERROR,
        `app.cache needs service "${this.service}" started on the Redis transport (redis option or REDIS_URL).`,
      );
    }
    return transport.client;
  }

  /** The shared map `name`, reachable from threads as `t.map(name)`. */
  map<V = unknown>(name: string): SharedMap<V> {
    this.#store.ensure('map', checkStructureName('app.map', name));
    return new SharedMap<V>(name, (call) => this.#store.execLocal(call));
  }

  /** The shared queue `name`, reachable from threads as `t.queue(name)`. */
  queue<T = unknown>(name: string): SharedQueue<T> {
    this.#store.ensure('queue', checkStructureName('app.queue', name));
    return new SharedQueue<T>(name, (call) => this.#store.execLocal(call));
  }

  /** The shared list `name` keeping its last `max` items (default 1000), reachable as `t.list(name)`. */
  list<T = unknown>(name: string, options: { max?: number } = {}): SharedList<T> {
    const max = checkListMax(checkStructureName('app.list', name), options.max);
    this.#store.ensure('list', name, max);
    return new SharedList<T>(name, (call) => this.#store.execLocal(call), max);
  }

  /**
   * Connect the transport, subscribe the service channel and listeners, start every `autoStart`
   * thread and the background tasks, then run the start hooks (without signal handling; `run()`
   * is the usual way in).
   */
  async start(options: StartOptions = {}): Promise<void> {
    if (options.service !== undefined) {
      if (typeof options.service !== 'string' || options.service.length === 0) {
        throw new DaebusError(ErrorCodes.INVALID_OPTION, `service must be a non-empty string (got ${String(options.service)}).`);
      }
      this.#service = options.service;
    }
    if (this.#bus) return;
    const bus = new ServiceBus({
      service: this.service,
      transport: resolveTransport(options),
      logger: this.logger,
      actions: this.#registry.actions,
      listeners: this.#registry.listeners,
      maxPayloadBytes: this.#options.maxPayloadBytes,
    });
    await bus.start();
    this.#bus = bus;
    setActiveService(this);
    this.logger.info(`Service "${this.service}" listening on ${bus.transport.description}`);
    if (this.#registry.usesPool) this.#handlerPool().warm();
    await this.#supervisor.startAll();
    for (const { task, immediately } of this.#registry.background.values()) task.start(immediately);
    for (const { name, hook } of this.#registry.hooks) {
      try {
        await hook();
      } catch (err) {
        this.logger.error(`The start hook "${name}" failed: ${toPlainError(err).message}`, { error: toPlainError(err) });
      }
    }
  }

  /**
   * Stop everything: take no new requests, give running handlers `drainTimeoutMs` to reply
   * (then cancel pooled ones with an error reply), stop background tasks and threads (each gets
   * its `shutdownTimeoutMs`, then is terminated), close the pool and the transport.
   */
  stop(options: StopOptions = {}): Promise<void> {
    this.#stopping ??= this.#stopAll(options.timeoutMs).finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  /**
   * Run the service until it is stopped (`app.stop()`, SIGINT, SIGTERM, or a failed thread with
   * `onFailure: 'exit'`). Resolves with the exit code (0 for a clean stop), which is also set as
   * `process.exitCode`; the process then exits by itself once nothing else keeps it alive.
   */
  async run(options: RunOptions = {}): Promise<number> {
    this.#exitCode = 0;
    const stopped = new Promise<number>((resolve) => {
      this.#onStopped = resolve;
    });
    const keepAlive = setInterval(() => undefined, 1 << 30);
    const removeSignals =
      options.handleSignals === false
        ? () => undefined
        : installSignalHandlers({
            stop: (signal) => {
              this.logger.info(`Received ${signal}: stopping service "${this.service}"`);
              void this.stop();
            },
            force: (signal) => {
              this.logger.warn(`Received ${signal} again: terminating every thread now`);
              this.#exitCode = 1;
              void this.#supervisor.terminateAll();
            },
          });
    const removeGuards = options.exitOnUncaughtError === true ? () => undefined : guardProcess(this.logger);
    try {
      const { handleSignals: _signals, exitOnUncaughtError: _exit, ...startOptions } = options;
      await this.start(startOptions);
      this.logger.info(`Service "${this.service}" running with ${Object.keys(this.threads).length} thread(s)`);
      const code = await stopped;
      process.exitCode = code;
      return code;
    } finally {
      clearInterval(keepAlive);
      removeSignals();
      removeGuards();
      this.#onStopped = undefined;
    }
  }

  async #stopAll(timeoutMs: number | undefined): Promise<void> {
    const bus = this.#bus;
    await Promise.all([...this.#registry.background.values()].map(({ task }) => task.stop()));
    if (bus) {
      // no new requests; the ones running get the grace period to reply
      await bus.stopAccepting();
      const unfinished = await bus.drain(this.#options.drainTimeoutMs);
      if (unfinished > 0) {
        this.logger.warn(`${unfinished} action handler(s) still running after ${this.#options.drainTimeoutMs} ms; cancelling pooled ones`);
        this.#pool?.cancelAll(`Service "${this.service}" stopped before this pooled action finished.`);
        await bus.drain(1_000);
      }
    }
    const results = await this.#supervisor.stopAll(timeoutMs);
    await this.#pool?.close();
    this.#pool = undefined;
    if (bus) {
      this.#bus = undefined;
      clearActiveService(this);
      await bus.close().catch((err: unknown) => this.logger.warn(`Closing the transport failed: ${toPlainError(err).message}`));
    }
    const terminated = results.filter((r) => r.terminated).map((r) => r.name);
    if (terminated.length > 0) this.logger.warn(`Stopped; terminated thread(s) that ignored the stop: ${terminated.join(', ')}`);
    else this.logger.info(`Service "${this.service}" stopped; every thread returned`);
    this.#onStopped?.(this.#exitCode);
  }

  #handlerPool(): HandlerPool {
    this.#pool ??= new HandlerPool(
      this.#options.maxWorkers,
      { store: this.#store, broadcast: (c, p) => this.broadcast(c, p) },
      this.logger,
    );
    return this.#pool;
  }

  #onThreadFailed(name: string): void {
    if (this.#supervisor.get(name).options.onFailure !== 'exit') return;
    this.logger.error(`Thread "${name}" failed and its onFailure is "exit": stopping service "${this.service}" with exit code 1`);
    this.#exitCode = 1;
    void this.stop();
  }
}
