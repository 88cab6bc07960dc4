import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';
import { SharedList, SharedMap, SharedQueue, checkListMax, checkStructureName } from '../shared/state-api';
import type { ActionHandler } from './actions/dispatcher';
import { clearActiveService, setActiveService } from './actions/globals';
import type { Redis } from 'ioredis';
import { RedisTransport } from './transport/redis';
import { ServiceBus, type ListenHandler } from './bus';
import { toEntrySpec, type ThreadEntry } from './entry';
import { directLogger, type Logger } from './logger';
import { resolveAppOptions, resolveThreadOptions, type DaebusOptions, type ResolvedAppOptions, type ThreadOptions } from './options';
import { StateStore } from './state/store';
import { resolveTransport, type TransportChoice } from './transport/resolve';
import { installSignalHandlers } from './signals';
import { Supervisor } from './supervisor';
import { ThreadHandle } from './thread-handle';
import type { ThreadEvents, ThreadSnapshot, ThreadStopResult } from './thread-types';
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
}

export interface StopOptions {
  /** Wait this long for each thread instead of its own `shutdownTimeoutMs`. */
  timeoutMs?: number;
}

/**
 * A Daebus service: register threads (and, later, actions), then `run()` it.
 *
 * ```ts
 * const app = new Daebus('my_service');
 * app.thread('worker', new URL('./worker.js', import.meta.url));
 * await app.run({ service: 'my_service' });
 * ```
 */
export class Daebus extends TypedEmitter<ThreadEvents> {
  readonly name: string;
  readonly logger: Logger;
  readonly #options: ResolvedAppOptions;
  readonly #supervisor: Supervisor;
  readonly #store = new StateStore();
  readonly #handles = new Map<string, ThreadHandle>();
  readonly #actions = new Map<string, ActionHandler>();
  readonly #listeners = new Map<string, ListenHandler[]>();
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
  }

  /**
   * Register an action: requests naming it run `handler(payload, context)`. The handler answers
   * with `response.send(...)` (or `context.response`), or returns a value (sent as success) or
   * throws (sent as an error). Handlers run concurrently, each with its own `request`/`response`.
   */
  action(name: string, handler: ActionHandler): this {
    checkName('app.action', name);
    if (typeof handler !== 'function')
      throw new DaebusError(ErrorCodes.INVALID_OPTION, `app.action("${name}", handler): handler must be a function.`);
    if (this.#actions.has(name))
      throw new DaebusError(ErrorCodes.DUPLICATE_NAME, `An action named "${name}" is already registered; give each action its own name.`);
    this.#actions.set(name, handler);
    return this;
  }

  /** Run `handler(payload, channel)` for every broadcast on `channel`. */
  listen(channel: string, handler: ListenHandler): this {
    checkName('app.listen', channel);
    if (typeof handler !== 'function')
      throw new DaebusError(ErrorCodes.INVALID_OPTION, `app.listen("${channel}", handler): handler must be a function.`);
    const handlers = this.#listeners.get(channel) ?? [];
    handlers.push(handler);
    this.#listeners.set(channel, handlers);
    if (this.#bus)
      void this.#bus
        .subscribeListeners(channel)
        .catch((err: unknown) => this.logger.error(`Could not listen on "${channel}": ${toPlainError(err).message}`));
    return this;
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

  /** The service name given to `run()` (the app's name until then). */
  get service(): string {
    return this.#service ?? this.name;
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
    if (typeof name !== 'string' || name.length === 0) {
      throw new DaebusError(ErrorCodes.INVALID_OPTION, `app.thread(name, ...): name must be a non-empty string (got ${String(name)}).`);
    }
    if (this.#supervisor.has(name)) {
      throw new DaebusError(ErrorCodes.DUPLICATE_NAME, `A thread named "${name}" is already registered; give each thread its own name.`);
    }
    const resolved = resolveThreadOptions(name, options);
    const spec = toEntrySpec(name, entry);
    const runner = this.#supervisor.register(name, spec, resolved);
    const handle = new ThreadHandle(this, name, runner);
    this.#handles.set(name, handle);
    this.#supervisor.startIfRunning(runner);
    return handle;
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

  /**
   * Connect the transport, subscribe the service channel and listeners, and start every
   * `autoStart` thread (without signal handling; `run()` is the usual way in).
   */
  async start(options: StartOptions = {}): Promise<void> {
    if (options.service !== undefined) this.#service = checkName('service', options.service);
    if (!this.#bus) {
      const bus = new ServiceBus({
        service: this.service,
        transport: resolveTransport(options),
        logger: this.logger,
        actions: this.#actions,
        listeners: this.#listeners,
        maxPayloadBytes: this.#options.maxPayloadBytes,
      });
      await bus.start();
      this.#bus = bus;
      setActiveService(this);
      this.logger.info(`Service "${this.service}" listening on ${bus.transport.description}`);
    }
    await this.#supervisor.startAll();
  }

  /** Stop everything: each thread gets its `shutdownTimeoutMs` to return, then is terminated. */
  stop(options: StopOptions = {}): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = this.#stopAll(options.timeoutMs).finally(() => {
        this.#stopping = undefined;
      });
    }
    return this.#stopping;
  }

  /**
   * Run the service until it is stopped (`app.stop()`, SIGINT, SIGTERM, or a failed thread with
   * `onFailure: 'exit'`). Resolves with the exit code (0 for a clean stop), which is also set as
   * `process.exitCode`; the process then exits by itself once nothing else keeps it alive.
   */
  async run(options: RunOptions = {}): Promise<number> {
    if (options.service !== undefined && (typeof options.service !== 'string' || options.service.length === 0)) {
      throw new DaebusError(
        ErrorCodes.INVALID_OPTION,
        `app.run({ service }): service must be a non-empty string (got ${String(options.service)}).`,
      );
    }
    this.#service = options.service ?? this.name;
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
    try {
      const { handleSignals: _signals, ...startOptions } = options;
      await this.start(startOptions);
      this.logger.info(`Service "${this.service}" running with ${Object.keys(this.threads).length} thread(s)`);
      const code = await stopped;
      process.exitCode = code;
      return code;
    } finally {
      clearInterval(keepAlive);
      removeSignals();
      this.#onStopped = undefined;
    }
  }

  async #stopAll(timeoutMs: number | undefined): Promise<void> {
    const bus = this.#bus;
    if (bus) {
      // no new requests; the ones running get the grace period to reply
      await bus.stopAccepting();
      const unfinished = await bus.drain(this.#options.drainTimeoutMs);
      if (unfinished > 0)
        this.logger.warn(`${unfinished} action handler(s) still running after ${this.#options.drainTimeoutMs} ms; stopping anyway`);
    }
    const results = await this.#supervisor.stopAll(timeoutMs);
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

  #onThreadFailed(name: string): void {
    if (this.#supervisor.get(name).options.onFailure !== 'exit') return;
    this.logger.error(`Thread "${name}" failed and its onFailure is "exit": stopping service "${this.service}" with exit code 1`);
    this.#exitCode = 1;
    void this.stop();
  }
}

function checkName(where: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new DaebusError(ErrorCodes.INVALID_OPTION, `${where}: the name must be a non-empty string (got ${String(name)}).`);
  }
  return name;
}
