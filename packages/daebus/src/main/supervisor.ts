import { DaebusError, ErrorCodes } from '../shared/errors';
import type { ThreadEntrySpec } from '../shared/protocol';
import type { ResolvedThreadOptions } from './options';
import { ThreadRunner, type RunnerHost } from './thread-runner';
import type { ThreadSnapshot, ThreadStopResult } from './thread-types';

/** Owns every thread's runner; starts, stops and reports on them as a group. */
export class Supervisor {
  readonly #runners = new Map<string, ThreadRunner>();
  readonly #host: RunnerHost;
  /** startAll() was called and no stop since: threads registered now start at once. */
  #started = false;
  /** A stop of the whole service is under way or done: nothing is restarted. */
  #shuttingDown = false;

  constructor(host: Omit<RunnerHost, 'random' | 'serviceRunning'> & { random?: () => number }) {
    this.#host = {
      logger: host.logger,
      emit: host.emit,
      onFailed: host.onFailed,
      store: host.store,
      broadcast: host.broadcast,
      random: host.random ?? Math.random,
      serviceRunning: () => !this.#shuttingDown,
    };
  }

  has(name: string): boolean {
    return this.#runners.has(name);
  }

  register(name: string, entry: ThreadEntrySpec, options: ResolvedThreadOptions): ThreadRunner {
    const runner = new ThreadRunner(name, entry, options, this.#host);
    this.#runners.set(name, runner);
    return runner;
  }

  get(name: string): ThreadRunner {
    const runner = this.#runners.get(name);
    if (!runner) {
      const known = [...this.#runners.keys()];
      throw new DaebusError(
        ErrorCodes.UNKNOWN_THREAD,
        `No thread named "${name}" is registered${known.length ? ` (known: ${known.join(', ')})` : ''}. Register it with app.thread(name, entry).`,
      );
    }
    return runner;
  }

  snapshots(): Record<string, ThreadSnapshot> {
    const out: Record<string, ThreadSnapshot> = {};
    for (const [name, runner] of this.#runners) out[name] = runner.snapshot();
    return out;
  }

  /** Mark the service running and start every `autoStart` thread; failures are logged, not thrown. */
  async startAll(): Promise<void> {
    this.#started = true;
    this.#shuttingDown = false;
    const starting = [...this.#runners.values()].filter((r) => r.options.autoStart && isIdle(r.state)).map((r) => r.start());
    const results = await Promise.allSettled(starting);
    for (const result of results) {
      if (result.status === 'rejected') this.#host.logger.debug(`A thread did not start: ${String(result.reason)}`);
    }
  }

  /** Begin restarts for a thread registered while the service runs. */
  startIfRunning(runner: ThreadRunner): void {
    if (this.#started && runner.options.autoStart) runner.start().catch(() => undefined);
  }

  /** Start one thread by hand; its restart policy applies from now on even outside startAll(). */
  start(name: string): Promise<void> {
    const runner = this.get(name);
    this.#shuttingDown = false;
    return runner.start();
  }

  /** Stop every thread in parallel, each within its own (or the given) timeout. */
  async stopAll(timeoutMs?: number): Promise<ThreadStopResult[]> {
    this.#started = false;
    this.#shuttingDown = true;
    return Promise.all([...this.#runners.values()].map((r) => r.stop(timeoutMs)));
  }

  /** Terminate every thread now. */
  async terminateAll(): Promise<void> {
    this.#started = false;
    this.#shuttingDown = true;
    await Promise.all([...this.#runners.values()].map((r) => r.terminate()));
  }
}

function isIdle(state: string): boolean {
  return state === 'stopped' || state === 'completed' || state === 'failed';
}
