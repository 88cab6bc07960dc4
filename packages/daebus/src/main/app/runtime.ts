import type { Redis } from 'ioredis';
import type { ActionObserver } from '../rpc/observer';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { HttpHost } from '../http/host';
import { HandlerPool, type PoolStats } from '../pool/handler-pool';
import { pooledAction, pooledTask, type PooledKind } from '../pool/pooled-calls';
import { preloadsOf, specKey, type ResolvedPooledSpec } from '../pool/pooled-spec';
import { runInScope, type AppScope, type Scope } from '../rpc/context';
import { Bulkhead } from '../rpc/bulkhead';
import type { ActionEntry, ActionHandler } from '../rpc/dispatcher';
import { addRunningApp, removeRunningApp } from '../rpc/globals';
import { ServiceBus, type ListenHandler, type TransportStatus } from '../rpc/service-bus';
import { StateStore } from '../state/store';
import type { ThreadEvents } from '../supervisor/events';
import { Incarnation } from '../supervisor/incarnation';
import { Supervisor } from '../supervisor/supervisor';
import type { Logger } from '../support/logger';
import { watchStdout } from '../support/stdout-transport';
import { resolveTransport } from '../transport/resolve';
import type { WorkerServices } from '../workers/connection';
import { BackgroundTask, type BackgroundFunction } from './background';
import type { StartHook } from './blueprint';
import type { Replication } from '../replicas/replication';
import { resolveReplicaOptions } from '../replicas/options';
import { abandonAll, drainRequests, runningTasks, stopTasks, type Drained } from './drain';
import { abandonedWork, gaveUpOn, logStopped, type StopLeft } from './stop-report';
import type { StopOutcome } from './process-owner';
import { cacheClient, connectBus, refuseStartAs, runStartHooks, startThreads, stoppedBeforeStart, threadsDidNotStart } from './startup';
import { listeningLine, notStartedToBroadcast } from './startup';
import { StartGate, type Phase } from './start-gate';
import { startChecker, type ResolvedAppOptions, type StartOptions } from './options';

/**
 * What a started app is made of, and the order in which it comes up (transport, pool, threads, background tasks, start hooks) and
 * goes down (tasks, new requests, running handlers, threads, pool, transport). The facade (`Daebus`) fills its tables from registrations.
 */
export class Runtime {
  readonly actions = new Map<string, ActionEntry>();
  readonly listeners = new Map<string, ListenHandler[]>();
  readonly tasks = new Map<string, { task: BackgroundTask; immediately: boolean }>();
  readonly hooks: { name: string; hook: StartHook }[] = [];
  readonly store = new StateStore();
  readonly supervisor: Supervisor;
  /** Routes, WebSocket handlers and their servers (their ports checked first, started after the transport, stopped first). */
  readonly http: HttpHost;
  /** The app as user code outside handlers reaches it (`broadcast`, `cache` globals). */
  readonly scope: AppScope;
  /** Told of each request's end (the metrics), when set. */
  observer?: ActionObserver;
  readonly #name: string;
  readonly #options: ResolvedAppOptions;
  readonly #logger: Logger;
  readonly #services: WorkerServices;
  readonly #userScope: Scope;
  #service?: string;
  #phase: Phase = 'idle';
  #bus?: ServiceBus;
  #replication?: Replication;
  #pool?: HandlerPool;
  /** The pooled handlers registered, by module and export: each pool worker loads them as it starts. */
  readonly #pooled = new Map<string, ResolvedPooledSpec>();
  #started?: { at: number; mono: number }; // uptime on the monotonic clock: a wall clock step moves none
  readonly #startGate = new StartGate();
  #stopping?: Promise<void>;
  #exitCode = 0;
  /** What a forced stop gave up on: named in the stop's last line too (it said every action finished). */
  #forced: string[] = [];
  #stopWaiters: ((outcome: StopOutcome) => void)[] = [];
  /** For watchStdout: while up, a service drops its records once stdout is gone. Static: a closure of #start kept the app for ever. */
  static readonly #up = (app: Runtime): boolean => app.#phase !== 'idle';

  constructor(init: {
    name: string;
    options: ResolvedAppOptions;
    logger: Logger;
    emit<K extends keyof ThreadEvents>(event: K, ...args: ThreadEvents[K]): void;
  }) {
    this.#name = init.name;
    this.#options = init.options;
    this.#logger = init.logger;
    const broadcast = (channel: string, payload: unknown): Promise<number> => this.broadcast(channel, payload);
    this.#services = { store: this.store, broadcast, socket: (call) => this.http.hub.exec(call) };
    const service = (): string => this.service;
    this.scope = {
      get service() {
        return service();
      },
      broadcast,
      cache: () => this.cache(),
    };
    this.#userScope = { app: this.scope, logger: init.logger };
    this.http = new HttpHost(this.scope, init.logger);
    this.supervisor = new Supervisor({
      logger: init.logger,
      emit: init.emit,
      spawn: (spec, events) => new Incarnation(spec, events, this.#services),
      onFailed: (name) => this.#onThreadFailed(name),
      ...(init.options.random ? { random: init.options.random } : {}),
    });
  }

  get service(): string {
    return this.#service ?? this.#name;
  }

  /** The pool for pooled actions and tasks, made on first use. */
  pool(): HandlerPool {
    this.#pool ??= new HandlerPool(this.#options.maxWorkers, this.#services, this.#logger, () => preloadsOf(this.#pooled.values()));
    return this.#pool;
  }

  /** An action handler that runs `spec` on the pool. */
  pooledAction(action: string, spec: ResolvedPooledSpec, kind: PooledKind = 'action'): ActionHandler {
    this.#pooled.set(specKey(spec), spec);
    return pooledAction(() => this.pool(), action, spec, kind);
  }

  addAction(name: string, handler: ActionHandler, limits: { concurrency?: number; maxQueued?: number }): void {
    const bulkhead = new Bulkhead(limits.concurrency ?? this.#options.concurrency, limits.maxQueued ?? this.#options.maxQueued);
    this.actions.set(name, { handler, bulkhead });
  }

  addListener(channel: string, handler: ListenHandler): void {
    this.listeners.set(channel, [...(this.listeners.get(channel) ?? []), handler]);
    this.#bus
      ?.subscribeListeners(channel)
      .catch((err: unknown) => this.#logger.error(`Could not listen on "${channel}": ${toPlainError(err).message}`));
  }

  addTask(name: string, intervalSeconds: number, run: BackgroundFunction | ResolvedPooledSpec, immediately: boolean): BackgroundTask {
    if (typeof run !== 'function') this.#pooled.set(specKey(run), run);
    const scope = { app: this.scope, logger: this.#logger.child({ task: name }) }; // its `logger` global's records name it
    const fn: BackgroundFunction =
      typeof run === 'function' ? () => runInScope(scope, run) : pooledTask(() => this.pool(), name, run, this.#logger);
    const task = new BackgroundTask(name, intervalSeconds, fn, this.#logger);
    this.tasks.set(name, { task, immediately });
    if (this.#phase === 'running') task.start(immediately);
    return task;
  }

  /** Publish `payload` (JSON) on `channel` of the started transport; resolves with the number of receivers. */
  async broadcast(channel: string, payload: unknown): Promise<number> {
    if (!this.#bus) throw notStartedToBroadcast(this.service);
    return this.#bus.broadcast(channel, payload);
  }

  /** The transport's key/value client (Daebus's `cache`), where it offers one. */
  cache(): Redis {
    return cacheClient(this.#bus?.transport, this.service);
  }

  /** What introspection reads: when it started, whether it stops, its transport, its pool. */
  status(): { startedAt?: number; uptimeMs?: number; stopping: boolean; transport?: TransportStatus; pool: PoolStats | null } {
    const bus = this.#bus;
    return {
      ...(this.#started && { startedAt: this.#started.at, uptimeMs: Math.round(performance.now() - this.#started.mono) }),
      stopping: this.#phase === 'stopping',
      ...(bus ? { transport: bus.transportStatus() } : {}),
      pool: this.#pooled.size > 0 ? (this.#pool?.stats() ?? null) : null,
    };
  }

  /** This process's replica id, when it runs as a replica. */
  get replicaId(): string | undefined {
    return this.#replication?.id;
  }

  /** Start a thread by hand; refused while the service is stopping. */
  async startThread(name: string): Promise<void> {
    if (this.#phase === 'stopping') {
      this.supervisor.get(name);
      throw new DaebusError(ErrorCodes.SERVICE_STOPPING, `Thread "${name}" was not started: service "${this.service}" is stopping.`);
    }
    await this.supervisor.start(name);
  }

  start(options: StartOptions): Promise<void> {
    return this.#phase === 'idle' ? this.#startGate.run((stopped) => this.#start(options, stopped)) : this.#start(options);
  }

  async #start(options: StartOptions, stopped?: AbortSignal): Promise<void> {
    const check = startChecker(options);
    const service = options.service === undefined ? undefined : check.name('options.service', options.service);
    const waitMs = check.duration('options.connectTimeoutMs', options.connectTimeoutMs ?? 0);
    const replicas = options.replicas ? resolveReplicaOptions(options.replicas) : undefined;
    if (this.#phase !== 'idle' || !stopped) return refuseStartAs(this.#phase, this.service, service);
    if (service !== undefined) this.#service = service;
    this.#phase = 'starting';
    this.#exitCode = 0;
    this.#forced = [];
    watchStdout(this, Runtime.#up);
    const makeBus = (): ServiceBus =>
      new ServiceBus({
        service: this.service,
        transport: resolveTransport(options),
        logger: this.#logger,
        actions: this.actions,
        listeners: this.listeners,
        limits: this.#options,
        app: this.scope,
        serviceChannel: replicas === undefined,
        observer: this.observer,
      });
    this.supervisor.prepareAll(); // the threads' workers boot while the transport connects
    try {
      await this.http.checkPorts(options); // a copy whose port is taken never connects, so never answers
      const connected = await connectBus(makeBus, this.#logger, waitMs, replicas, stopped);
      ({ bus: this.#bus, replication: this.#replication } = connected);
      this.store.attach(connected.state, { transport: connected.bus.transport.description, logger: this.#logger });
      await this.#replication?.start().catch(async (err: unknown) => {
        this.store.detach();
        this.#replication = undefined;
        await connected.bus.close().catch(() => undefined);
        throw err;
      });
    } catch (err) {
      this.#phase = 'idle';
      await this.supervisor.unprepareAll();
      throw err;
    }
    const bus = this.#bus;
    this.#phase = 'running';
    addRunningApp(this.scope);
    this.#logger.info(...listeningLine(this.service, bus.transport.description, this.#replication?.id));
    if (this.#pooled.size > 0) this.pool().warm();
    const failed = await startThreads(this.supervisor, stopped, this.service);
    if (failed.length > 0) {
      await this.#stopNow(undefined, true);
      throw threadsDidNotStart(this.service, failed);
    }
    for (const { task, immediately } of this.tasks.values()) task.start(immediately);
    try {
      await this.http.start(options);
    } catch (err) {
      // a server that cannot listen stops the service it was part of (the caller reports why)
      this.#logger.warn(`The HTTP server did not start (${toPlainError(err).message}): stopping service "${this.service}"`);
      await this.#stopNow(undefined, true);
      throw err;
    }
    if (stopped.aborted) throw stoppedBeforeStart(this.service);
    await runStartHooks(this.hooks, this.#userScope, this.#logger, stopped, this.service);
    this.#started = { at: Date.now(), mono: performance.now() }; // once the start hooks (warm-ups) are done too: health is not ready before
  }

  /** Stop everything (see `Daebus.stop`); a second call while stopping joins the first; a start under way is cut short first. */
  stop(timeoutMs?: number): Promise<void> {
    const cut = this.#startGate.cut();
    return cut ? cut.then(() => this.#stopNow(timeoutMs)) : this.#stopNow(timeoutMs);
  }

  #stopNow(timeoutMs?: number, startFailed = false): Promise<void> {
    this.#stopping ??= this.#stopAll(timeoutMs, startFailed).finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  /** Resolves with the exit code, and whether handlers were given up on, when the service next finishes stopping. */
  nextStop(): Promise<StopOutcome> {
    return new Promise((resolve) => this.#stopWaiters.push(resolve));
  }

  /**
   * A forced stop (a second signal): answer every request taken in with a STOPPED error, cancel pooled calls and terminate
   * every thread, without waiting for user code. Resolves with what it gave up on (actions, task runs, threads).
   */
  async forceStop(): Promise<string[]> {
    this.#exitCode = 1;
    // HTTP requests get 503 at once (abandoned); the threads are terminated while the servers close (up to 2.5 s): see endProcess
    const http = this.http.forceStop();
    this.#pool?.cancelAll(`Service "${this.service}" was forced to stop before this pooled action finished.`);
    const abandoned = this.#bus ? await abandonAll(this.#bus, this.service) : [];
    const threads = await this.supervisor.terminateAll();
    return (this.#forced = [...(await http), ...abandoned, ...runningTasks(this.tasks.values()), ...threads]);
  }

  async #stopAll(timeoutMs: number | undefined, startFailed: boolean): Promise<void> {
    const bus = this.#bus;
    const wasUp = this.#phase !== 'idle'; // else never started, or stopped already: nothing to say
    this.#phase = 'stopping';
    const drainMs = this.#options.drainTimeoutMs;
    const handedOver = (await this.#replication?.handOverIfOthersLive()) === true; // intake first, unless it is the last replica
    // HTTP requests and WebSocket messages given up on are abandoned work (named last, exit code 1); no task run starts meanwhile
    const tasks = [...this.tasks.values()].map(({ task }) => task);
    const [httpLeft, tasksLeft] = await Promise.all([this.http.stop(drainMs, this.service), stopTasks(tasks, this.#logger, drainMs)]);
    this.store.endMainWaits(true); // WebSocket handlers given up on (no async context tells them apart) take nothing more
    let drained: Drained = { abandoned: [], rerun: [] };
    if (bus) {
      if (!handedOver) await this.#replication?.stopIntake();
      await bus.stopAccepting(); // no new requests; the ones taken in get the grace period to reply
      drained = await drainRequests({ bus, pool: this.#pool, logger: this.#logger, timeoutMs: drainMs, waits: this.store });
    }
    await this.#replication?.close();
    this.#replication = undefined;
    const results = await this.supervisor.stopAll(timeoutMs);
    this.store.stopped();
    await this.#pool?.close(`Service "${this.service}" stopped before this pooled run finished.`);
    this.#pool = undefined;
    if (bus) {
      this.#bus = undefined;
      removeRunningApp(this.scope);
      await bus.close().catch((err: unknown) => this.#logger.warn(`Closing the transport failed: ${toPlainError(err).message}`));
    }
    this.#phase = 'idle';
    this.#started = undefined;
    const left: StopLeft = { ...drained, ...httpLeft, tasks: tasksLeft, threads: results, forced: this.#forced };
    if (wasUp) logStopped(this.#logger, this.service, left, startFailed);
    if (abandonedWork(left)) this.#exitCode = 1;
    // handlers and task runs given up on may still run (exit code 0 for a replica's and a task's): the process owner bounds them
    for (const resolve of this.#stopWaiters.splice(0)) resolve({ code: this.#exitCode, gaveUp: gaveUpOn(left) });
  }

  #onThreadFailed(name: string): void {
    if (this.supervisor.get(name).options.onFailure !== 'exit') return;
    this.#logger.error(`Thread "${name}" failed and its onFailure is "exit": stopping service "${this.service}" (run() then exits 1)`);
    this.#exitCode = 1;
    void this.stop();
  }
}
