import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';
import { toEntrySpec, type ThreadEntry } from './entry';
import { directLogger, type Logger } from './logger';
import { resolveThreadOptions, type ThreadOptions } from './options';
import { installSignalHandlers } from './signals';
import { Supervisor } from './supervisor';
import { ThreadHandle } from './thread-handle';
import type { ThreadEvents, ThreadSnapshot, ThreadStopResult } from './thread-types';
import { TypedEmitter } from './typed-emitter';

export interface DaebusOptions {
  /** The winston logger every record goes to, threads' included. Default: `directLogger`. */
  logger?: Logger;
  /** Source of randomness for restart jitter (tests). Default `Math.random`. */
  random?: () => number;
}

export interface RunOptions {
  /** The service name (Daebus's `app.run(service=...)`). Default: the app's name. */
  service?: string;
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
  readonly #supervisor: Supervisor;
  readonly #handles = new Map<string, ThreadHandle>();
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
    this.logger = options.logger ?? directLogger;
    this.#supervisor = new Supervisor({
      logger: this.logger,
      emit: (event, ...args) => this.emit(event, ...args),
      onFailed: (thread) => this.#onThreadFailed(thread),
      ...(options.random ? { random: options.random } : {}),
    });
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
    const handle = new ThreadHandle(this, name);
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

  /** Start every `autoStart` thread (without signal handling; `run()` is the usual way in). */
  async start(): Promise<void> {
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
      await this.start();
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
    const results = await this.#supervisor.stopAll(timeoutMs);
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
