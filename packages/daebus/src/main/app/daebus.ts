import type { ActionsOf, AnyContract, AnyMessages, NameOf, PartOf } from '../../shared/contract';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { SharedList, SharedMap, SharedQueue } from '../../shared/state-api';
import { checkListMax, checkStructureName } from '../../shared/state-checks';
import { checker } from '../../shared/validate';
import type { DaebusHttp, DaebusWebSocket, HttpEndpoints, RouteHandler, RouteOptions, WebSocketClients } from '../http/api';
import type { SocketData, SocketHandler } from '../http/socket-handler';
import type { PooledSpec } from '../pool/pooled-spec';
import type { ListenHandler } from '../rpc/service-bus';
import type { ThreadEntry } from '../supervisor/entry';
import type { ThreadEvents, ThreadSnapshot, ThreadStopResult } from '../supervisor/events';
import { ThreadHandle } from '../supervisor/handle';
import { runningLine } from '../supervisor/reports';
import type { ThreadOptions, ThreadOptionsArg } from '../supervisor/thread-options';
import type { RedisClient } from '../transport/transport';
import { directLogger, type Logger } from '../support/logger';
import { guardTransports } from '../support/guarded-transports';
import { TypedEmitter } from '../support/typed-emitter';
import { findTask, type BackgroundFunction, type BackgroundTask } from './background';
import {
  actionRegistration,
  type ActionArgs,
  type BackgroundOptions,
  type Blueprint,
  type Registration,
  type StartHook,
} from './blueprint';
import { installOps } from './ops-view';
import { metricsOn, type MetricsRegistry, type ServiceMetrics } from '../ops/metrics';
import { resolveAppOptions, type DaebusOptions, type RunOptions, type StartOptions, type StopOptions, stopTimeout } from './options';
import { openStructure, type StructureOptions } from './structures';
import { runOwningProcess } from './process-owner';
import { isPooled, Registry, type Prepared } from './registry';
import { listDeadLetters, type DeadLetter } from '../replicas/dead-letters';
import { listReplicas, type ReplicaInfo } from '../replicas/presence';
import { Runtime } from './runtime';
import { addStartHook } from './startup';
import { clipped } from '../../shared/clipped';

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
export class Daebus<out C extends object = AnyContract> extends TypedEmitter<ThreadEvents> {
  /** The app's name (`new Daebus(name)`, default `daebus`); the service's too, unless `run()` names another. */
  readonly name: string;
  /** The app's logger: the `logger` option, default `directLogger`. */
  readonly logger: Logger;
  readonly #runtime: Runtime;
  readonly #registry = new Registry();
  readonly #handles = new Map<string, ThreadHandle>();
  readonly #metrics: ServiceMetrics | undefined;

  constructor(name = 'daebus', options: DaebusOptions = {}) {
    super((event, err) => this.logger.error(`A listener of the "${event}" event threw: ${toPlainError(err).message}`));
    this.name = checker('new Daebus(name)').name('name', name);
    const resolved = resolveAppOptions(options);
    this.logger = guardTransports(resolved.logger ?? directLogger);
    this.#runtime = new Runtime({ name, options: resolved, logger: this.logger, emit: (event, ...args) => this.emit(event, ...args) });
    this.#metrics = installOps(this.#runtime, this, this.name, resolved);
  }

  /** The service name given to `run()`/`start()` (the app's name until then). */
  get service(): string {
    return this.#runtime.service;
  }

  /**
   * Register an action: requests naming it run `handler(payload, context)`, which answers with
   * `response.send(...)`, or returns a value (sent as success) or throws (sent as an error).
   * Handlers run concurrently, each with its own `request`/`response`. `{ module, export?,
   * timeoutMs? }` instead of a function runs a CPU-heavy handler on the piscina pool.
   * `options.concurrency` and `options.maxQueued` bound how many run and wait at once (past both:
   * a BUSY error reply).
   */
  action<K extends NameOf<ActionsOf<C>>>(...args: ActionArgs<ActionsOf<C>, K>): this {
    return this.#register(actionRegistration(...args));
  }

  /** Run `handler(payload, channel)` for every broadcast on `channel`. */
  listen(channel: string, handler: ListenHandler): this {
    return this.#register({ kind: 'listen', name: channel, handler });
  }

  /**
   * Run `fn` every `intervalSeconds` while the service runs, never two runs at once; errors are
   * logged and the schedule goes on. `{ module }` runs it on the pool. Returns the task, whose
   * `intervalSeconds` can be changed at run time.
   */
  background(name: string, intervalSeconds: number, fn: BackgroundFunction | PooledSpec, options?: BackgroundOptions): BackgroundTask {
    this.#register({ kind: 'background', name, intervalSeconds, run: fn, ...(options ? { options } : {}) });
    return this.backgroundTask(name);
  }

  /** A registered background task. */
  backgroundTask(name: string): BackgroundTask {
    return findTask(this.#runtime.tasks, name);
  }

  /** Run `hook` once the transport is connected and the threads are started; an error is logged with its name. */
  onStart(hook: StartHook): this {
    return this.#register({ kind: 'onStart', hook });
  }

  /** Serve `path` (`/users/<id>` or `/users/:id`) over HTTP, as Daebus's `@app.route`; `{ module }` runs it on the pool. */
  route<Path extends string>(path: Path, handler: RouteHandler<Path> | PooledSpec, options?: RouteOptions): this {
    return this.#register({ kind: 'route', path, handler: handler as RouteHandler | PooledSpec, ...(options ? { options } : {}) });
  }

  /** Answer WebSocket messages `{ "type": type, "data" }`, as Daebus's `@app.socket`; `connect` and `disconnect` are events. */
  socket<D = unknown, T extends string = string>(type: T, handler: SocketHandler<SocketData<T, D>>): this {
    return this.#register({ kind: 'socket', name: type, handler });
  }

  /** Configure the HTTP server or the WebSocket endpoint (Daebus's `app.attach(DaebusHttp(...))`). */
  attach(component: DaebusHttp | DaebusWebSocket): this {
    this.#runtime.http.attach(component);
    return this;
  }

  /** The service's WebSocket clients: `sendToClient`, `broadcastToAll`, `clients`, `disconnect`. */
  get websocket(): WebSocketClients {
    return this.#runtime.http.clients;
  }

  /** Where the HTTP server and the WebSocket endpoint listen while they run (`url`, `port`, `websocketUrl`). */
  get http(): HttpEndpoints {
    return this.#runtime.http.endpoints;
  }

  /** Register everything `blueprint` declares; a name it shares with what is registered already is refused, and nothing of it is registered. */
  // on a typed app, a typed blueprint's actions must be the app's (PartOf)
  registerBlueprint<B extends PartOf<C, B>>(blueprint: Blueprint<B>): this {
    this.#apply(this.#registry.prepareBlueprint(blueprint));
    return this;
  }

  /**
   * Register a background thread, or get the handle of one registered already.
   *
   * `entry` is a module (path or file URL to built JavaScript) whose default export is
   * `defineThread((running, t) => ...)`, or a self-contained function sent to the worker as source,
   * whose `t` types `options.workerData` (`D`) when annotated, or is typed by it when not.
   */
  thread<M extends object = AnyMessages>(name: string): ThreadHandle<M>;
  thread<M extends object = AnyMessages, D = unknown>(name: string, entry: ThreadEntry<D, M>, ...o: ThreadOptionsArg<D>): ThreadHandle<M>;
  thread<M extends object = AnyMessages>(name: string, entry?: ThreadEntry, options?: ThreadOptions): ThreadHandle<M> {
    // an entry read from an unset variable is a registration gone wrong, not a lookup
    if (entry === undefined && arguments.length > 1)
      throw new DaebusError(
        ErrorCodes.INVALID_OPTION,
        `thread "${name}": its entry is undefined; pass a module (path or file URL) or a function.`,
      );
    if (entry !== undefined) this.#register({ kind: 'thread', name, entry, ...(options ? { options } : {}) });
    const handle = this.#handles.get(name);
    if (handle) return handle as unknown as ThreadHandle<M>;
    this.#runtime.supervisor.get(name); // throws UNKNOWN_THREAD, naming the threads there are
    throw new DaebusError(ErrorCodes.UNKNOWN_THREAD, `No thread named "${clipped(name)}" is registered.`);
  }

  /** A snapshot of every thread's record, by name. */
  get threads(): Record<string, ThreadSnapshot> {
    return this.#runtime.supervisor.snapshots();
  }

  /** The service's Prometheus metrics as exposition text (served as `/metrics` by the HTTP server too). */
  async metrics(): Promise<string> {
    return (await metricsOn(this.#metrics).scrape()).text;
  }

  /** The prom-client registry behind `/metrics`: register the service's own metrics in it (`registers: [app.metricsRegistry]`). */
  get metricsRegistry(): MetricsRegistry {
    return metricsOn(this.#metrics).registry;
  }

  /** Start a stopped, failed, completed or `autoStart: false` thread. Resolves when its function runs. */
  async startThread(name: string): Promise<ThreadSnapshot> {
    await this.#runtime.startThread(name);
    return this.#runtime.supervisor.get(name).snapshot();
  }

  /** Stop one thread; it is terminated if it has not returned within `timeoutMs` (default: its `shutdownTimeoutMs`). */
  async stopThread(name: string, timeoutMs?: number): Promise<ThreadStopResult> {
    return this.thread(name).stop(timeoutMs);
  }

  /** Publish `payload` (a JSON object) on `channel` of the running service's transport; resolves with the number of receivers. */
  broadcast(channel: string, payload: object): Promise<number> {
    return this.#runtime.broadcast(channel, payload);
  }

  /** The Redis key/value client (Daebus's `cache`): the Redis transport's publishing connection. */
  get cache(): RedisClient {
    return this.#runtime.cache();
  }

  /**
   * The live replicas of this service (`app.run({ replicas })`): id, host, pid, when each started,
   * its requests in flight. Empty when the service does not run replicated.
   */
  async replicas(): Promise<ReplicaInfo[]> {
    return this.#runtime.replicaId === undefined ? [] : listReplicas(this.#runtime.cache(), this.service);
  }

  /** The newest `count` durable requests this service gave up on (its dead-letter stream), newest first. */
  async deadLetters(count = 100): Promise<DeadLetter[]> {
    return this.#runtime.replicaId === undefined ? [] : listDeadLetters(this.#runtime.cache(), this.service, count);
  }

  /**
   * The shared map `name`, reachable from threads as `t.map(name)`. `{ scope: 'service' }` keeps
   * it in Redis, one map for every replica of the service (values are JSON).
   */
  map<V = unknown>(name: string, options: StructureOptions = {}): SharedMap<V> {
    const store = openStructure(this.#runtime.store, 'map', 'app.map', name, options);
    return new SharedMap<V>(name, (call) => store.execLocal(call));
  }

  /** The shared queue `name`, reachable from threads as `t.queue(name)`; `{ scope: 'service' }` as for maps. */
  queue<T = unknown>(name: string, options: StructureOptions = {}): SharedQueue<T> {
    const store = openStructure(this.#runtime.store, 'queue', 'app.queue', name, options);
    return new SharedQueue<T>(name, (call) => store.execLocal(call));
  }

  /** The shared list `name` keeping its last `max` items (default 1000), reachable as `t.list(name)`; `{ scope: 'service' }` as for maps. */
  list<T = unknown>(name: string, options: StructureOptions & { max?: number | undefined } = {}): SharedList<T> {
    const asked = checkListMax(checkStructureName('app.list', name), options.max);
    const store = openStructure(this.#runtime.store, 'list', 'app.list', name, options, asked);
    return new SharedList<T>(name, (call) => store.execLocal(call), store.listMax(name, asked));
  }

  /**
   * Connect the transport, subscribe the service channel and listeners, start every `autoStart`
   * thread and the background tasks, then run the start hooks (without signal handling; `run()`
   * is the usual way in). Starting a started app again does nothing; under another service name
   * it is refused.
   */
  start(options: StartOptions = {}): Promise<void> {
    return this.#runtime.start(options);
  }

  /**
   * Stop everything: take no new requests, give running handlers `drainTimeoutMs` to reply
   * (then cancel pooled ones with an error reply), stop background tasks and threads (each gets
   * its `shutdownTimeoutMs`, then is terminated), close the pool and the transport.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    return this.#runtime.stop(stopTimeout(options));
  }

  /**
   * Run the service until it is stopped (`app.stop()`, SIGINT, SIGTERM, or a failed thread with
   * `onFailure: 'exit'`). Resolves with the exit code (0 for a clean stop), which is also set as
   * `process.exitCode`; the process then exits by itself once nothing else keeps it alive.
   */
  run(options: RunOptions = {}): Promise<number> {
    const { handleSignals, exitOnUncaughtError, ...startOptions } = options;
    const runtime = this.#runtime;
    return runOwningProcess(
      {
        logger: this.logger,
        get service() {
          return runtime.service;
        },
        start: async () => {
          await runtime.start(startOptions);
          this.logger.info(runningLine(runtime.service, Object.values(this.threads)));
        },
        stop: () => runtime.stop(),
        forceStop: () => runtime.forceStop(),
        nextStop: () => runtime.nextStop(),
      },
      { ...(handleSignals === undefined ? {} : { handleSignals }), ...(exitOnUncaughtError === undefined ? {} : { exitOnUncaughtError }) },
    );
  }

  #register(registration: Registration): this {
    this.#apply(this.#registry.prepare([registration], 'the app'));
    return this;
  }

  /** Put checked registrations in place; what the service needs now starts now. */
  #apply(prepared: Prepared[]): void {
    const runtime = this.#runtime;
    for (const p of prepared) {
      switch (p.kind) {
        case 'action':
          runtime.addAction(p.name, isPooled(p.run) ? runtime.pooledAction(p.name, p.run) : p.run, p.limits);
          break;
        case 'listen':
          runtime.addListener(p.name, p.handler);
          break;
        case 'thread':
          this.#handles.set(
            p.name,
            new ThreadHandle(runtime.supervisor.register(p.name, p.entry, p.options), () => runtime.startThread(p.name)),
          );
          break;
        case 'background':
          runtime.addTask(p.name, p.intervalSeconds, p.run, p.immediately);
          break;
        case 'onStart':
          addStartHook(runtime, p.name, p.hook, this.logger);
          break;
        case 'route':
        case 'socket':
          runtime.http.register(p, (name, spec) => runtime.pooledAction(name, spec, 'route'));
          break;
      }
    }
  }
}
