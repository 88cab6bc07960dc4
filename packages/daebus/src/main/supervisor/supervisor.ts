import { checker } from '../../shared/validate';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { ThreadEntrySpec } from '../../shared/protocol/thread';
import type { Logger } from '../support/logger';
import type { ThreadEvents, ThreadSnapshot, ThreadStopResult } from './events';
import { ThreadRunner } from './runner';
import { startIsReported, type ResolvedThreadOptions } from './thread-options';
import type { SpawnRun } from './worker-run';
import { clipped } from '../../shared/clipped';
import { settlesWithin } from '../support/timers';
import { LOAD_WARN_MS } from './load-watch';
import { TERMINATE_WAIT_MS } from '../workers/ending-workers';

export interface SupervisorInit {
  logger: Logger;
  emit<K extends keyof ThreadEvents>(event: K, ...args: ThreadEvents[K]): void;
  /** Starts a thread's run: a real worker, or a stand-in in unit tests. */
  spawn: SpawnRun;
  /** Called once each time a thread enters `failed`. */
  onFailed(name: string): void;
  random?: () => number;
}

/** Owns every thread's runner; starts, stops and reports on them as a group. */
export class Supervisor {
  readonly #runners = new Map<string, ThreadRunner>();
  readonly #init: SupervisorInit;
  /** startAll() was called and no stop since: threads registered now start at once. */
  #started = false;
  /** A stop of the whole group is under way: nothing is started or restarted. */
  #stopping = false;
  /** The threads whose start startAll() waits for and reports: their failure to start is not told to onFailed. */
  readonly #reportedStarts = new Set<string>();

  constructor(init: SupervisorInit) {
    this.#init = init;
  }

  register(name: string, entry: ThreadEntrySpec, options: ResolvedThreadOptions): ThreadRunner {
    const { logger, emit, spawn, onFailed, random = Math.random } = this.#init;
    const runner = new ThreadRunner(name, entry, options, {
      logger,
      emit,
      spawn,
      random,
      onFailed: (failed) => void (this.#reportedStarts.has(failed) || onFailed(failed)),
      restartsAllowed: () => !this.#stopping,
    });
    this.#runners.set(name, runner);
    if (this.#started && options.autoStart) runner.start(false).catch(() => undefined); // its failure is logged
    return runner;
  }

  get(name: string): ThreadRunner {
    const runner = this.#runners.get(name);
    if (!runner) {
      // from JavaScript, or a name read from the wrong field: said so, not a TypeError from the message
      if (typeof name !== 'string') checker('thread(name)', ErrorCodes.INVALID_ARGUMENT).name('name', name);
      const known = [...this.#runners.keys()];
      throw new DaebusError(
        ErrorCodes.UNKNOWN_THREAD,
        `No thread named "${clipped(name)}" is registered${known.length ? ` (known: ${known.join(', ')})` : ''}. Register it with app.thread(name, entry).`,
      );
    }
    return runner;
  }

  snapshots(): Record<string, ThreadSnapshot> {
    const out: Record<string, ThreadSnapshot> = {};
    for (const [name, runner] of this.#runners) out[name] = runner.snapshot();
    return out;
  }

  /**
   * Boot the workers of the `autoStart` threads startAll() will start, each held until its start
   * releases it: an app's start does this before its transport connects, so that the boots and
   * the connection overlap. No user code runs in a held worker.
   */
  prepareAll(): void {
    for (const runner of this.#runners.values()) if (runner.options.autoStart) runner.prepare();
  }

  /** End the workers prepareAll() held, when startAll() will not come (the transport failed). */
  async unprepareAll(): Promise<void> {
    await Promise.all([...this.#runners.values()].filter((r) => isIdle(r.state)).map((r) => r.stop()));
  }

  /**
   * Start every `autoStart` thread that is not running; resolves with the required ones (and the
   * optional ones with onFailure 'exit') whose start failed, once every start settled, except an optional thread's that still loads its module
   * LOAD_WARN_MS on (when that is logged): its start goes on by itself, so that a module that
   * never finishes loading does not hold the service's start for good.
   */
  async startAll(): Promise<{ name: string; error: Error; exits: boolean }[]> {
    this.#started = true;
    const idle = [...this.#runners.values()].filter((r) => r.options.autoStart && isIdle(r.state));
    const required: ThreadRunner[] = [];
    const waited: Promise<void>[] = [];
    const optional: Promise<unknown>[] = [];
    for (const runner of idle) {
      const reported = startIsReported(runner.options);
      // those waited for are named by the service's start: their own failure lines would say it twice
      const start = runner.start(reported ? 'fully' : true);
      if (!reported) optional.push(start.catch(() => undefined));
      else {
        this.#reportedStarts.add(runner.name);
        // the failure reaches the runner's onFailed first, then this (a microtask later)
        waited.push(start.finally(() => this.#reportedStarts.delete(runner.name)));
        required.push(runner);
      }
    }
    // the optional ones' time counts from their start, beside the required ones'
    const [results] = await Promise.all([Promise.allSettled(waited), settlesWithin(Promise.all(optional), LOAD_WARN_MS)]);
    const failed: { name: string; error: Error; exits: boolean }[] = [];
    results.forEach((result, i) => {
      const { name, options } = required[i] as ThreadRunner;
      if (result.status === 'rejected') failed.push({ name, error: result.reason as Error, exits: options.onFailure === 'exit' });
    });
    return failed;
  }

  /** Start one thread by hand; refused while the group is stopping. */
  start(name: string): Promise<void> {
    const runner = this.get(name);
    if (this.#stopping) {
      return Promise.reject(
        new DaebusError(
          ErrorCodes.SERVICE_STOPPING,
          `Thread "${name}" was not started: the service is stopping. Start it after stop() resolves.`,
        ),
      );
    }
    return runner.start();
  }

  /** Stop every thread in parallel, each within its own (or the given) timeout. */
  async stopAll(timeoutMs?: number): Promise<ThreadStopResult[]> {
    this.#started = false;
    this.#stopping = true;
    try {
      return await Promise.all([...this.#runners.values()].map((r) => r.stop(timeoutMs)));
    } finally {
      this.#stopping = false;
    }
  }

  /**
   * Terminate every thread now (a second signal). Resolves with the threads that were still running (or stopping), named
   * for the forced stop's report: one not ended TERMINATE_WAIT_MS after is blocked in a native call (waiting on held the report).
   */
  async terminateAll(): Promise<string[]> {
    this.#started = false;
    this.#stopping = true;
    const live = [...this.#runners.values()].filter((r) => !isIdle(r.state) && r.state !== 'backoff');
    const idle = [...this.#runners.values()].filter((r) => !live.includes(r));
    const [ended] = await Promise.all([
      Promise.all(live.map((r) => settlesWithin(r.terminate(), TERMINATE_WAIT_MS))),
      Promise.all(idle.map((r) => r.terminate())),
    ]);
    return live.map((r, i) => `thread "${r.name}" (${ended[i] ? 'terminated' : 'blocked in a native call'})`);
  }
}

function isIdle(state: string): boolean {
  return state === 'stopped' || state === 'completed' || state === 'failed';
}
