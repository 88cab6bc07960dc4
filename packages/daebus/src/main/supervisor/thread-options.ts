import { SHARE_ENV, type ResourceLimits } from 'node:worker_threads';
import { cloneOrThrow } from '../../shared/cloneable';
import { DaebusError } from '../../shared/errors';
import { checker, withoutUndefined } from '../../shared/validate';
import { checkResourceLimits, RESOURCE_LIMITS } from './resource-limits';

/** What the supervisor does when a thread exits (names from Erlang/OTP). */
export type RestartPolicy = 'permanent' | 'transient' | 'temporary';

/** Options of `app.thread(name, entry, options)`. Every field is optional; defaults below. */
export interface ThreadOptions<Data = unknown> {
  /** Start with the service (`app.run`/`app.start`); otherwise only on `app.startThread(name)`. Default `true`. */
  autoStart?: boolean | undefined;
  /**
   * A thread that cannot start with the service (a missing module, a throw at import) makes
   * `app.start()` fail and `app.run()` exit 1, unless it is optional: then the service starts
   * without it (not with `onFailure: 'exit'`, which the start reports as a required thread's). Default `false`.
   */
  optional?: boolean | undefined;
  /**
   * `permanent`: restart after any exit while the service runs; `transient`: restart after a
   * crash, not after a normal return; `temporary`: never restart. Default `transient`.
   */
  restart?: RestartPolicy | undefined;
  /** Delay before the first restart. Default 100 ms. */
  initialDelayMs?: number | undefined;
  /** Longest delay between restarts. Default 30 000 ms. */
  maxDelayMs?: number | undefined;
  /** Growth of the delay: restart n waits `min(maxDelayMs, initialDelayMs * factor^(n-1))`. Default 2. */
  factor?: number | undefined;
  /** Random share taken off each delay, 0 to 1 (0.1 = up to 10% shorter). Default 0.1. */
  jitter?: number | undefined;
  /** A thread that stayed up this long before exiting starts again from `initialDelayMs`. Default 60 000 ms. */
  resetAfterMs?: number | undefined;
  /** More than this many restarts within `windowMs` puts the thread in state `failed`. Default 5. */
  maxRestarts?: number | undefined;
  /** The window for `maxRestarts`. Default 60 000 ms. */
  windowMs?: number | undefined;
  /** When the thread fails for good: `continue` without it, or `exit` (stop the service, exit code 1). Default `continue`. */
  onFailure?: 'continue' | 'exit' | undefined;
  /** How long a stop waits for the thread to return before `worker.terminate()`. Default 5 000 ms. */
  shutdownTimeoutMs?: number | undefined;
  /**
   * The thread is stalled once it has neither called `running()` nor let its event loop turn for
   * this long (a synchronous loop that never checks `running()`, a deadlock in native code).
   * 0 turns the check off. Default 10 000 ms.
   */
  stallTimeoutMs?: number | undefined;
  /** What a stall does: `warn` (log once, `stalled` event, shown in the snapshot), or `restart` the thread as a crash. Default `warn`. */
  onStall?: 'warn' | 'restart' | undefined;
  /**
   * Passed to the Worker: heap and stack limits. Running out of heap is reported as
   * `out-of-memory`, a stack overflow as `crashed` (a RangeError). At least 4 MB of old
   * generation and 1 MB of stack, at most 4096 MB of code range: past those Node ends the whole
   * process, not just the thread (or the thread cannot read deeply nested values).
   */
  resourceLimits?: ResourceLimits | undefined;
  /**
   * Structured-clonable data handed to the thread as `t.workerData`. For an inline thread it is
   * checked against the type its `t` is annotated with, or types `t.workerData` where it is not.
   */
  workerData?: Data | undefined;
  /** The worker's `process.env`: an object, or `SHARE_ENV` from node:worker_threads. Default: a copy of the main one. */
  env?: Record<string, string | undefined> | typeof SHARE_ENV | undefined;
  /** Node options of the worker (your own loader, say: `['--import', 'my-loader']`). Default: the main process's. */
  execArgv?: string[] | undefined;
}

/**
 * The options argument of a thread whose body is typed by its data: required, with `workerData`,
 * when that type does not take undefined (a body annotated `t: ThreadContext<{ every: number }>`
 * reads `t.workerData.every`, which would be undefined without it); optional otherwise.
 */
export type ThreadOptionsArg<Data> = undefined extends Data
  ? [options?: ThreadOptions<Data>]
  : [options: ThreadOptions<Data> & { workerData: Data }];

/** Options after defaults are applied; internals trust these. */
export type ResolvedThreadOptions = Required<Omit<ThreadOptions, 'resourceLimits' | 'workerData' | 'env' | 'execArgv'>> &
  Pick<ThreadOptions, 'resourceLimits' | 'workerData' | 'env' | 'execArgv'>;

/** The defaults, in one place (documented in the package README). */
export const DEFAULT_THREAD_OPTIONS = Object.freeze({
  autoStart: true,
  optional: false,
  restart: 'transient',
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.1,
  resetAfterMs: 60_000,
  maxRestarts: 5,
  windowMs: 60_000,
  onFailure: 'continue',
  shutdownTimeoutMs: 5_000,
  stallTimeoutMs: 10_000,
  onStall: 'warn',
} as const satisfies ResolvedThreadOptions);

/**
 * Whether the service's start waits for the thread and fails when it cannot start: a required
 * thread's, and an optional one's whose failure stops the service anyway (onFailure 'exit').
 */
export function startIsReported(options: Pick<ResolvedThreadOptions, 'optional' | 'onFailure'>): boolean {
  return !options.optional || options.onFailure === 'exit';
}

const KNOWN = [...Object.keys(DEFAULT_THREAD_OPTIONS), 'resourceLimits', 'workerData', 'env', 'execArgv'];

/** Check `options` for thread `name` and fill in defaults. Throws INVALID_OPTION naming the option. */
export function resolveThreadOptions(name: string, options: ThreadOptions | undefined): ResolvedThreadOptions {
  if (options === undefined) return { ...DEFAULT_THREAD_OPTIONS };
  const check = checker(`Thread "${name}"`);
  check.knownKeys('options', check.plainObject('options', options), KNOWN);
  const o = { ...DEFAULT_THREAD_OPTIONS, ...withoutUndefined(options) } as ResolvedThreadOptions;

  check.flag('options.autoStart', o.autoStart);
  check.flag('options.optional', o.optional);
  if (o.execArgv !== undefined && !(Array.isArray(o.execArgv) && o.execArgv.every((a) => typeof a === 'string'))) {
    check.fail('options.execArgv', 'an array of strings', o.execArgv);
  }
  check.oneOf('options.restart', o.restart, ['permanent', 'transient', 'temporary']);
  check.oneOf('options.onFailure', o.onFailure, ['continue', 'exit']);
  check.oneOf('options.onStall', o.onStall, ['warn', 'restart']);
  for (const key of ['initialDelayMs', 'maxDelayMs', 'resetAfterMs', 'shutdownTimeoutMs', 'stallTimeoutMs'] as const)
    check.duration(`options.${key}`, o[key]);
  check.timeout('options.windowMs', o.windowMs);
  if (o.maxDelayMs < o.initialDelayMs) {
    // its default under an initialDelayMs given above it: say which default is in the way
    const hint =
      options.maxDelayMs === undefined
        ? `>= initialDelayMs (${o.initialDelayMs}); set it with an initialDelayMs above its default ${DEFAULT_THREAD_OPTIONS.maxDelayMs}`
        : `>= initialDelayMs (${o.initialDelayMs})`;
    check.fail('options.maxDelayMs', hint, o.maxDelayMs);
  }
  if (!(Number.isFinite(o.factor) && o.factor >= 1)) check.fail('options.factor', 'a finite number >= 1', o.factor);
  if (!(typeof o.jitter === 'number' && o.jitter >= 0 && o.jitter <= 1)) check.fail('options.jitter', 'a number from 0 to 1', o.jitter);
  check.count('options.maxRestarts', o.maxRestarts, 0);

  if (o.resourceLimits !== undefined) {
    const limits = check.plainObject('options.resourceLimits', o.resourceLimits);
    check.knownKeys('options.resourceLimits', limits, RESOURCE_LIMITS);
    checkResourceLimits(check, limits);
  }
  if (o.workerData !== undefined) {
    try {
      cloneOrThrow(`Thread "${name}": options.workerData`, o.workerData);
    } catch (err) {
      throw new DaebusError('INVALID_OPTION', (err as Error).message, { cause: err });
    }
  }
  if (o.env !== undefined && o.env !== SHARE_ENV) {
    if (o.env === null || typeof o.env !== 'object' || Array.isArray(o.env))
      check.fail('options.env', 'an object of strings or SHARE_ENV', o.env);
    for (const [key, value] of Object.entries(o.env)) {
      if (value !== undefined && typeof value !== 'string') check.fail(`options.env.${key}`, 'a string', value);
    }
  }
  return o;
}
