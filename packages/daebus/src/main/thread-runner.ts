import { DaebusError, ErrorCodes, toPlainError, type PlainError } from '../shared/errors';
import type { ThreadEntrySpec } from '../shared/protocol';
import { restartDelay } from './backoff';
import { classifyExit, shouldRestart } from './exit';
import { Incarnation, type IncarnationHost } from './incarnation';
import type { Logger } from './logger';
import type { StateStore } from './state/store';
import type { ResolvedThreadOptions } from './options';
import type { ThreadEvents, ThreadExit, ThreadSnapshot, ThreadState, ThreadStopResult } from './thread-types';

/** What a runner needs from the supervisor that owns it. */
export interface RunnerHost {
  logger: Logger;
  emit<K extends keyof ThreadEvents>(event: K, ...args: ThreadEvents[K]): void;
  /** False once the service is stopping: nothing is restarted then. */
  serviceRunning(): boolean;
  /** Called once when the thread enters `failed`. */
  onFailed(name: string): void;
  random: () => number;
  /** The shared structures threads reach over their ports. */
  store: StateStore;
  /** Publish on the service's transport (a thread's `t.broadcast`). */
  broadcast(channel: string, payload: unknown): Promise<number>;
}

/** Default wait for `request` to a thread. */
export const DEFAULT_THREAD_REQUEST_TIMEOUT_MS = 5_000;

/**
 * The supervisor's record of one thread: spawns its worker, watches it die, and restarts it
 * as its policy says. One runner per registered thread, for the life of the app.
 */
export class ThreadRunner {
  readonly name: string;
  readonly options: ResolvedThreadOptions;
  readonly #entry: ThreadEntrySpec;
  readonly #host: RunnerHost;
  readonly #log: Logger;

  #state: ThreadState = 'stopped';
  #current?: Incarnation;
  #restarts = 0;
  /** Position in the backoff sequence; reset when a run lasted resetAfterMs. */
  #attempt = 0;
  /** When recent restarts happened, for the maxRestarts/windowMs intensity check. */
  #restartTimes: number[] = [];
  #startedAt?: number;
  #nextRestartAt?: number;
  #restartTimer?: NodeJS.Timeout;
  #lastExit?: ThreadExit;
  #lastError?: PlainError;
  #stopping?: Promise<ThreadStopResult>;
  #readyWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  readonly #incarnationHost: IncarnationHost;

  constructor(name: string, entry: ThreadEntrySpec, options: ResolvedThreadOptions, host: RunnerHost) {
    this.name = name;
    this.#entry = entry;
    this.options = options;
    this.#host = host;
    this.#log = host.logger.child({ thread: name });
    this.#incarnationHost = {
      log: this.#log,
      store: host.store,
      broadcast: host.broadcast,
      onReady: (incarnation) => this.#onReady(incarnation),
      onExit: (incarnation, code) => this.#onExit(incarnation, code),
    };
  }

  get state(): ThreadState {
    return this.#state;
  }

  snapshot(): ThreadSnapshot {
    const snap: ThreadSnapshot = { name: this.name, state: this.#state, restarts: this.#restarts };
    if (this.#startedAt !== undefined) snap.startedAt = this.#startedAt;
    if (this.#nextRestartAt !== undefined) snap.nextRestartAt = this.#nextRestartAt;
    if (this.#lastExit !== undefined) snap.lastExit = { ...this.#lastExit };
    if (this.#lastError !== undefined) snap.lastError = { ...this.#lastError };
    return snap;
  }

  /**
   * Start a thread that is not running (stopped, failed, completed, never started), with a fresh
   * restart budget. Resolves when its function starts; rejects if it ends before that.
   */
  start(): Promise<void> {
    switch (this.#state) {
      case 'starting':
        return this.#whenReady();
      case 'running':
        return Promise.resolve();
      case 'stopping':
        return Promise.reject(
          new DaebusError(
            ErrorCodes.THREAD_NOT_RUNNING,
            `Thread "${this.name}" is stopping; wait for stopThread() to finish before starting it again.`,
          ),
        );
      case 'backoff':
        this.#cancelRestart();
        break;
      case 'stopped':
      case 'failed':
      case 'completed':
        break;
    }
    this.#attempt = 0;
    this.#restartTimes = [];
    this.#restarts = 0;
    const ready = this.#whenReady();
    this.#spawn();
    return ready;
  }

  /**
   * Stop the thread: clear its flag (waking its sleeps), wait up to `timeoutMs` for it to
   * return, then terminate it. A pending restart is cancelled.
   */
  stop(timeoutMs: number = this.options.shutdownTimeoutMs): Promise<ThreadStopResult> {
    if (this.#stopping) return this.#stopping;
    if (this.#state === 'backoff') {
      this.#cancelRestart();
      this.#setState('stopped');
      this.#host.emit('stop', { name: this.name, terminated: false });
    }
    const current = this.#current;
    if (!current) return Promise.resolve({ name: this.name, terminated: false, state: this.#state });
    this.#stopping = this.#stopWorker(current, timeoutMs).finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  /** End the thread now, without waiting for it (second signal). */
  async terminate(): Promise<void> {
    this.#cancelRestart();
    await this.#current?.terminate();
  }

  /** Send a message the thread answers with its `t.on(type, handler)`; fails at once unless it runs. */
  request(type: string, payload: unknown, timeoutMs: number = DEFAULT_THREAD_REQUEST_TIMEOUT_MS): Promise<unknown> {
    try {
      return this.#runningIncarnation().request(type, payload, timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Send a message without waiting for an answer; throws unless the thread runs. */
  post(type: string, payload: unknown): void {
    this.#runningIncarnation().post(type, payload);
  }

  #runningIncarnation(): Incarnation {
    const current = this.#current;
    if (this.#state === 'running' && current && !current.stopRequested) return current;
    const why: Record<ThreadState, string> = {
      starting: 'is starting; await app.startThread() or the "start" event first',
      running: 'is running',
      stopping: 'is stopping',
      stopped: 'is stopped; start it with app.startThread()',
      backoff: `crashed and is waiting to restart${this.#nextRestartAt ? ` (in ${Math.max(0, this.#nextRestartAt - Date.now())} ms)` : ''}`,
      failed: 'has failed and will not be restarted; see its lastError',
      completed: 'has returned and will not be restarted',
    };
    throw new DaebusError(ErrorCodes.THREAD_NOT_RUNNING, `Thread "${this.name}" ${why[this.#state]}.`, {
      details: { thread: this.name, state: this.#state },
    });
  }

  async #stopWorker(current: Incarnation, timeoutMs: number): Promise<ThreadStopResult> {
    this.#setState('stopping');
    current.requestStop();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      current.exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.#log.warn(`Thread "${this.name}" did not return within ${timeoutMs} ms of the stop; terminating it`);
      await current.terminate();
    }
    return { name: this.name, terminated: current.terminated, state: this.#state };
  }

  #spawn(): void {
    this.#nextRestartAt = undefined;
    this.#setState('starting');
    try {
      this.#current = new Incarnation(this.name, this.#entry, this.options, this.#restarts, this.#incarnationHost);
    } catch (err) {
      this.#lastError = toPlainError(err);
      const failure = new DaebusError(
        ErrorCodes.THREAD_START_FAILED,
        `Thread "${this.name}" could not be spawned: ${this.#lastError.message}`,
      );
      for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(failure);
      this.#fail('failed-to-start', this.#lastError);
    }
  }

  #onReady(current: Incarnation): void {
    if (this.#current !== current || this.#state !== 'starting') return;
    this.#startedAt = current.readyAt;
    this.#setState('running');
    this.#host.emit('start', { name: this.name, restarts: this.#restarts });
    for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
  }

  #onExit(current: Incarnation, code: number): void {
    if (this.#current === current) this.#current = undefined;
    const now = Date.now();
    const reason = classifyExit({ code, ...(current.error ? { error: current.error } : {}), stopRequested: current.stopRequested });
    const exit: ThreadExit = {
      reason,
      code,
      terminated: current.terminated,
      at: now,
      uptimeMs: current.readyAt === undefined ? 0 : now - current.readyAt,
      ...(current.error ? { error: current.error } : {}),
    };
    this.#lastExit = exit;
    if (current.error) this.#lastError = current.error;
    this.#startedAt = undefined;
    this.#host.emit('exit', { name: this.name, ...exit });
    this.#rejectReady(current, exit);

    if (reason === 'stopped' || !this.#host.serviceRunning()) {
      if (current.error && reason === 'stopped') {
        this.#log.error(`Thread "${this.name}" threw while stopping: ${current.error.message}`, { error: current.error });
      }
      this.#setState('stopped');
      this.#host.emit('stop', { name: this.name, terminated: current.terminated });
      return;
    }
    this.#logExit(exit);
    if (shouldRestart(this.options.restart, reason)) {
      this.#scheduleRestart(now, exit);
    } else if (reason === 'normal') {
      this.#setState('completed');
    } else {
      this.#fail(reason === 'failed-to-start' ? 'failed-to-start' : 'crashed', current.error);
    }
  }

  #scheduleRestart(now: number, exit: ThreadExit): void {
    const { windowMs, maxRestarts, resetAfterMs } = this.options;
    this.#restartTimes = this.#restartTimes.filter((t) => now - t < windowMs);
    if (this.#restartTimes.length >= maxRestarts) {
      this.#fail('crash-loop', exit.error);
      return;
    }
    if (exit.uptimeMs >= resetAfterMs) this.#attempt = 0;
    this.#attempt += 1;
    this.#restarts += 1;
    this.#restartTimes.push(now);
    const delayMs = restartDelay(this.#attempt, this.options, this.#host.random);
    this.#nextRestartAt = now + delayMs;
    this.#setState('backoff');
    this.#log.info(`Restarting thread "${this.name}" in ${delayMs} ms (restart ${this.#restarts}, attempt ${this.#attempt})`);
    this.#host.emit('restart', { name: this.name, attempt: this.#attempt, delayMs, at: this.#nextRestartAt });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#state === 'backoff' && this.#host.serviceRunning()) this.#spawn();
    }, delayMs);
  }

  #fail(why: 'crash-loop' | 'failed-to-start' | 'crashed', error: PlainError | undefined): void {
    this.#setState('failed');
    this.#nextRestartAt = undefined;
    const cause = error ? `: ${error.message.replace(/\.$/, '')}` : '';
    const what =
      why === 'crash-loop'
        ? `crashed more than ${this.options.maxRestarts} times within ${this.options.windowMs} ms; last error${cause || ': none (exit code ' + String(this.#lastExit?.code) + ')'}`
        : why === 'failed-to-start'
          ? `could not start${cause}`
          : `crashed under restart policy "temporary"${cause}`;
    this.#log.error(
      `Thread "${this.name}" failed and will not be restarted: it ${what}. Fix the cause and call app.startThread("${this.name}").`,
      {
        ...(error ? { error } : {}),
      },
    );
    this.#host.emit('failed', { name: this.name, why, ...(error ? { error } : {}) });
    this.#host.onFailed(this.name);
  }

  #logExit(exit: ThreadExit): void {
    switch (exit.reason) {
      case 'normal':
        this.#log.info(`Thread "${this.name}" returned`);
        return;
      case 'crashed':
        this.#log.error(
          exit.error ? `Thread "${this.name}" crashed: ${exit.error.message}` : `Thread "${this.name}" exited with code ${exit.code}`,
          exit.error ? { error: exit.error } : {},
        );
        return;
      case 'out-of-memory':
        this.#log.error(`Thread "${this.name}" ran out of memory (resourceLimits ${JSON.stringify(this.options.resourceLimits ?? {})})`);
        return;
      case 'failed-to-start':
      case 'stopped':
        return; // reported by #fail / the stop itself
    }
  }

  #whenReady(): Promise<void> {
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  #rejectReady(current: Incarnation, exit: ThreadExit): void {
    if (current.readyAt !== undefined || this.#readyWaiters.length === 0) return;
    const because = exit.error ? `: ${exit.error.message}` : ` (exit code ${exit.code})`;
    const err =
      exit.reason === 'stopped'
        ? new DaebusError(ErrorCodes.STOPPED, `Thread "${this.name}" was stopped before it started.`)
        : new DaebusError(exit.error?.code ?? ErrorCodes.THREAD_START_FAILED, `Thread "${this.name}" ended before it started${because}`, {
            details: { thread: this.name, reason: exit.reason },
          });
    for (const waiter of this.#readyWaiters.splice(0)) waiter.reject(err);
  }

  #cancelRestart(): void {
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#nextRestartAt = undefined;
  }

  #setState(state: ThreadState): void {
    if (state !== this.#state) this.#log.debug(`Thread "${this.name}": ${this.#state} -> ${state}`);
    this.#state = state;
  }
}
