import { toPlainError, type PlainError } from '../../shared/errors';
import type { ThreadEntrySpec } from '../../shared/protocol/thread';
import type { Logger } from '../support/logger';
import type { ThreadEvents, ThreadExit, ThreadFailedEvent, ThreadSnapshot, ThreadState, ThreadStopResult } from './events';
import { exitLine, failureLine, notRunningError, spawnError, stallReport, startError, stoppingError } from './reports';
import { endRun } from './run-stop';
import { shouldRestart } from './exit';
import { exitRecord, stopResult, upFor } from './exit-record';
import { RestartBudget } from './restart-budget';
import { ReadyWaiters, type StartReport } from './ready-waiters';
import { SpareRun } from './spare';
import { StallWatch } from './stall-watch';
import type { ResolvedThreadOptions } from './thread-options';
import type { RunEvents, RunSpec, SpawnRun, WorkerRun } from './worker-run';

/** What a runner is given by the supervisor that owns it. */
export interface RunnerDeps {
  /** The app's logger; the runner logs through a child with the thread's name. */
  logger: Logger;
  emit<K extends keyof ThreadEvents>(event: K, ...args: ThreadEvents[K]): void;
  random: () => number;
  spawn: SpawnRun;
  /** False while the whole service stops: nothing is restarted then. */
  restartsAllowed(): boolean;
  /** Called once each time the thread enters `failed`. */
  onFailed(name: string): void;
}

/** Default wait for `request` to a thread. */
export const DEFAULT_THREAD_REQUEST_TIMEOUT_MS = 5_000;

/**
 * The supervisor's record of one thread, and its state machine: starts a run, watches it end,
 * and restarts it as its policy says. One runner per registered thread, for the life of the app.
 */
export class ThreadRunner {
  readonly name: string;
  readonly options: ResolvedThreadOptions;
  readonly #entry: ThreadEntrySpec;
  readonly #deps: RunnerDeps;
  readonly #log: Logger;
  readonly #events: RunEvents;

  #state: ThreadState = 'stopped';
  #current?: WorkerRun;
  #watch?: StallWatch;
  readonly #budget: RestartBudget;
  #started?: WorkerRun; // the run whose function started, while it runs
  #nextRestartAt?: number;
  #restartTimer?: NodeJS.Timeout;
  readonly #spare: SpareRun;
  /** The last boot time of one of its workers, which decides when a restart's spare is started. */
  #bootMs?: number;
  #lastExit?: ThreadExit;
  #lastError?: PlainError;
  /** The error the last exit line logged (with its stack). */
  #errorLogged?: PlainError;
  #stopping?: Promise<ThreadStopResult>;
  /** Calls of stop() by anyone (app.stopThread, a handle, the admin actions): a restart seeing a later one does not start it. */
  stopsAsked = 0;
  readonly #ready = new ReadyWaiters();

  constructor(name: string, entry: ThreadEntrySpec, options: ResolvedThreadOptions, deps: RunnerDeps) {
    this.name = name;
    this.#entry = entry;
    this.options = options;
    this.#deps = deps;
    this.#log = deps.logger.child({ thread: name });
    this.#budget = new RestartBudget(options, deps.random);
    this.#events = {
      onBooted: (run) => this.#onBooted(run),
      onReady: (run) => this.#onReady(run),
      onExit: (run, code) => this.#onExit(run, code),
    };
    const debug = (line: string): void => void this.#log.debug(`Thread "${name}": ${line}`);
    this.#spare = new SpareRun(() => deps.spawn(this.#runSpec(true), this.#events), debug);
  }

  get state(): ThreadState {
    return this.#state;
  }

  snapshot(): ThreadSnapshot {
    const snap: ThreadSnapshot = { name: this.name, state: this.#state, restarts: this.#budget.restarts };
    const started = this.#started;
    if (started?.readyAt !== undefined) Object.assign(snap, { startedAt: started.readyAt, uptimeMs: upFor(started) });
    const watch = this.#watch;
    if (watch) {
      const stalledForMs = watch.stalledForMs();
      if (stalledForMs !== undefined) snap.stalledForMs = stalledForMs;
      if (watch.eventLoopUtilization !== undefined) snap.eventLoopUtilization = watch.eventLoopUtilization;
      if (watch.heapUsedBytes !== undefined) snap.heapUsedBytes = watch.heapUsedBytes;
    }
    if (this.#nextRestartAt !== undefined) snap.nextRestartAt = this.#nextRestartAt;
    if (this.#lastExit !== undefined) snap.lastExit = { ...this.#lastExit };
    if (this.#lastError !== undefined) snap.lastError = { ...this.#lastError };
    return snap;
  }

  /**
   * Start a thread that is not running (stopped, failed, completed, never started), with a fresh
   * restart budget. Resolves when its function starts; rejects if it ends before that (`reports`:
   * the caller reports that failure itself).
   */
  start(reports: StartReport = true): Promise<void> {
    switch (this.#state) {
      case 'starting':
        return this.#ready.wait(reports);
      case 'running':
        return Promise.resolve();
      case 'stopping':
        return Promise.reject(stoppingError(this.name));
      case 'backoff':
        void this.#cancelRestart(); // its spare counted the old budget's restarts
        break;
      case 'stopped':
      case 'failed':
      case 'completed':
        break;
    }
    this.#budget.reset();
    const ready = this.#ready.wait(reports);
    this.#spawn();
    return ready;
  }

  /**
   * Boot the worker of a start to come, held until start() releases it (stop() ends it): an app's
   * start does this while its transport connects. Only for a thread with no restarts counted.
   */
  prepare(): void {
    const idle = this.#state === 'stopped' || this.#state === 'failed' || this.#state === 'completed';
    if (idle && this.#budget.restarts === 0) this.#spare.prepare(0, undefined);
  }

  /**
   * Stop the thread: clear its flag (waking its sleeps), wait up to `timeoutMs` for it to
   * return, then terminate it. A pending restart, and a worker held for a start, are cancelled.
   */
  stop(timeoutMs: number = this.options.shutdownTimeoutMs): Promise<ThreadStopResult> {
    this.stopsAsked += 1;
    if (this.#stopping) return this.#stopping;
    const dismissed = this.#cancelRestart();
    if (this.#state === 'backoff') {
      this.#setState('stopped');
      this.#deps.emit('stop', { name: this.name, terminated: false });
    }
    const current = this.#current;
    if (!current) return dismissed.then(() => ({ name: this.name, terminated: false, state: this.#state }));
    this.#stopping = this.#stopRun(current, timeoutMs).finally(() => {
      this.#stopping = undefined;
    });
    return this.#stopping;
  }

  /** End the thread now, without waiting for it (second signal). */
  async terminate(): Promise<void> {
    await Promise.all([this.#cancelRestart(), this.#current?.terminate()]);
  }

  /** Send a message the thread answers with its `t.on(type, handler)`; fails at once unless it runs. */
  request(type: string, payload: unknown, timeoutMs: number = DEFAULT_THREAD_REQUEST_TIMEOUT_MS): Promise<unknown> {
    try {
      return this.#runningRun().request(type, payload, timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Send a message without waiting for an answer; throws unless the thread runs. */
  post(type: string, payload: unknown): void {
    this.#runningRun().post(type, payload);
  }

  #runningRun(): WorkerRun {
    const current = this.#current;
    if (this.#state === 'running' && current && !current.stopRequested) return current;
    throw notRunningError(this.name, this.#state, this.#nextRestartAt, this.#lastError);
  }

  async #stopRun(current: WorkerRun, timeoutMs: number): Promise<ThreadStopResult> {
    this.#setState('stopping');
    const ending = await endRun(this.name, current, timeoutMs, this.#log);
    return stopResult(this.name, this.#state, current, ending);
  }

  #runSpec(held: boolean): RunSpec {
    return { name: this.name, entry: this.#entry, options: this.options, restarts: this.#budget.restarts, log: this.#log, held };
  }

  #spawn(): void {
    this.#nextRestartAt = undefined;
    this.#setState('starting');
    const spare = this.#spare.take();
    if (spare) {
      this.#current = spare;
      spare.release();
      return;
    }
    try {
      this.#current = this.#deps.spawn(this.#runSpec(false), this.#events);
    } catch (err) {
      this.#lastError = toPlainError(err);
      const told = this.#ready.rejectAll(spawnError(this.name, err, this.#lastError.message));
      this.#fail('failed-to-start', this.#lastError, told);
    }
  }

  #onBooted(run: WorkerRun): void {
    if (run.bootMs !== undefined) this.#bootMs = run.bootMs;
    this.#spare.booted(run);
  }

  #onReady(run: WorkerRun): void {
    if (this.#current !== run || this.#state !== 'starting') return;
    this.#started = run;
    this.#watch = new StallWatch(run, this.options.stallTimeoutMs, {
      stalled: (stalledForMs) => this.#onStalled(run, stalledForMs),
      recovered: (stalledForMs) => {
        this.#log.info(`Thread "${this.name}" is running again after a stall of ${stalledForMs} ms`);
        this.#deps.emit('unstalled', { name: this.name, stalledForMs });
      },
    });
    this.#setState('running');
    this.#deps.emit('start', { name: this.name, restarts: this.#budget.restarts });
    this.#ready.resolveAll();
  }

  #onStalled(run: WorkerRun, stalledForMs: number): void {
    const restarting = this.options.onStall === 'restart' && this.#state === 'running';
    const { line, error } = stallReport(this.name, stalledForMs, this.options);
    this.#log.warn(line);
    this.#deps.emit('stalled', { name: this.name, stalledForMs, restarting });
    if (restarting) run.abort(error);
  }

  #onExit(run: WorkerRun, code: number): void {
    if (this.#spare.ended(run, code)) return; // a held worker dismissed, or dead before its release: not the thread's exit
    if (this.#current === run) {
      this.#current = undefined;
      this.#watch?.stop();
      this.#watch = undefined;
    }
    const now = Date.now();
    const exit = exitRecord(run, code, now);
    const { reason } = exit;
    this.#lastExit = exit;
    if (run.error) this.#lastError = run.error;
    this.#started = undefined;
    this.#deps.emit('exit', { name: this.name, ...exit });
    // a start awaited that never reached the thread function: not retried, the same code would fail the same way
    const startFailed = run.readyAt === undefined && this.#ready.waiting;
    const told = startFailed && this.#ready.rejectAll(startError(this.name, exit));

    if (reason === 'stopped' || !this.#deps.restartsAllowed()) {
      if (run.error && reason === 'stopped') {
        this.#log.error(`Thread "${this.name}" threw while stopping: ${run.error.message}`, { error: run.error });
      }
      this.#setState('stopped');
      this.#deps.emit('stop', { name: this.name, terminated: run.terminated });
      return;
    }
    const line = startFailed ? undefined : exitLine(this.name, exit, this.options);
    if (line) this.#log.log(line.level, line.message, exit.error ? { error: exit.error } : {});
    this.#errorLogged = line ? exit.error : undefined;
    if (startFailed || reason === 'failed-to-start')
      this.#fail('failed-to-start', run.error, told, startFailed && startError(this.name, exit));
    else if (shouldRestart(this.options.restart, reason)) this.#scheduleRestart(now, exit);
    else if (reason === 'normal') this.#setState('completed');
    else this.#fail('crashed', run.error);
  }

  #scheduleRestart(now: number, exit: ThreadExit): void {
    const next = this.#budget.take(exit.uptimeMs);
    if (next === undefined) {
      this.#fail('crash-loop', exit.error);
      return;
    }
    const { attempt, delayMs } = next;
    this.#nextRestartAt = now + delayMs;
    this.#setState('backoff');
    this.#log.info(`Restarting thread "${this.name}" in ${delayMs} ms (restart ${this.#budget.restarts}, attempt ${attempt})`);
    this.#deps.emit('restart', { name: this.name, attempt, delayMs, at: this.#nextRestartAt });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#state === 'backoff' && this.#deps.restartsAllowed()) this.#spawn();
      else void this.#spare.dismiss();
    }, delayMs);
    this.#spare.prepare(delayMs, this.#bootMs);
  }

  /** `told`: how start()'s callers report the failure (StartReport); `standIn`: reported when no error came (process.exit in a module). */
  #fail(why: ThreadFailedEvent['why'], error: PlainError | undefined, told: StartReport = false, standIn: Error | false = false): void {
    this.#setState('failed');
    this.#nextRestartAt = undefined;
    if (why !== 'failed-to-start' || !told || (told === true && this.options.optional))
      // the error and its stack once: the exit line just before this one carried it
      this.#log.error(
        failureLine(this.name, why, this.options, error, this.#lastExit),
        error && error !== this.#errorLogged ? { error } : {},
      );
    if (!error && standIn) error = this.#lastError = toPlainError(standIn);
    this.#deps.emit('failed', { name: this.name, why, ...(error ? { error } : {}) });
    this.#deps.onFailed(this.name);
  }

  /** Cancel a planned restart; resolves once its spare, if one was started, has exited. */
  #cancelRestart(): Promise<void> {
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#nextRestartAt = undefined;
    return this.#spare.dismiss();
  }

  #setState(state: ThreadState): void {
    if (state !== this.#state) this.#log.debug(`Thread "${this.name}": ${this.#state} -> ${state}`);
    this.#state = state;
  }
}
