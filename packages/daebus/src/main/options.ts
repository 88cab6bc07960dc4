import { availableParallelism } from 'node:os';
import { SHARE_ENV, type ResourceLimits } from 'node:worker_threads';
import { DaebusError, ErrorCodes } from '../shared/errors';
import type { Logger } from './logger';

/** What the supervisor does when a thread exits (names from Erlang/OTP). */
export type RestartPolicy = 'permanent' | 'transient' | 'temporary';

/** Options of `app.thread(name, entry, options)`. Every field is optional; defaults below. */
export interface ThreadOptions {
  /** Start with the service (`app.run`/`app.start`); otherwise only on `app.startThread(name)`. Default `true`. */
  autoStart?: boolean;
  /**
   * `permanent`: restart after any exit while the service runs; `transient`: restart after a
   * crash, not after a normal return; `temporary`: never restart. Default `transient`.
   */
  restart?: RestartPolicy;
  /** Delay before the first restart. Default 100 ms. */
  initialDelayMs?: number;
  /** Longest delay between restarts. Default 30 000 ms. */
  maxDelayMs?: number;
  /** Growth of the delay: restart n waits `min(maxDelayMs, initialDelayMs * factor^(n-1))`. Default 2. */
  factor?: number;
  /** Random share taken off each delay, 0 to 1 (0.1 = up to 10% shorter). Default 0.1. */
  jitter?: number;
  /** A thread that stayed up this long before exiting starts again from `initialDelayMs`. Default 60 000 ms. */
  resetAfterMs?: number;
  /** More than this many restarts within `windowMs` puts the thread in state `failed`. Default 5. */
  maxRestarts?: number;
  /** The window for `maxRestarts`. Default 60 000 ms. */
  windowMs?: number;
  /** When the thread fails for good: `continue` without it, or `exit` (stop the service, exit code 1). Default `continue`. */
  onFailure?: 'continue' | 'exit';
  /** How long a stop waits for the thread to return before `worker.terminate()`. Default 5 000 ms. */
  shutdownTimeoutMs?: number;
  /** Passed to the Worker: heap and stack limits; exceeding them is reported as out of memory. */
  resourceLimits?: ResourceLimits;
  /** Structured-clonable data handed to the thread as `t.workerData`. */
  workerData?: unknown;
  /** The worker's `process.env`: an object, or `SHARE_ENV` from node:worker_threads. Default: a copy of the main one. */
  env?: Record<string, string | undefined> | typeof SHARE_ENV;
}

/** Options after defaults are applied; internals trust these. */
export type ResolvedThreadOptions = Required<Omit<ThreadOptions, 'resourceLimits' | 'workerData' | 'env'>> &
  Pick<ThreadOptions, 'resourceLimits' | 'workerData' | 'env'>;

/** The defaults, in one place (documented in the package README). */
export const DEFAULT_THREAD_OPTIONS = Object.freeze({
  autoStart: true,
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
} as const satisfies ResolvedThreadOptions);

const KNOWN = new Set<string>([...Object.keys(DEFAULT_THREAD_OPTIONS), 'resourceLimits', 'workerData', 'env']);
const RESOURCE_LIMITS = new Set(['maxYoungGenerationSizeMb', 'maxOldGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb']);

/** Check `options` for thread `name` and fill in defaults. Throws INVALID_OPTION naming the option. */
export function resolveThreadOptions(name: string, options: ThreadOptions | undefined): ResolvedThreadOptions {
  if (options === undefined) return { ...DEFAULT_THREAD_OPTIONS };
  const fail = (option: string, constraint: string, value: unknown): never => {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `Thread "${name}": ${option ? `options.${option}` : 'options'} must be ${constraint} (got ${show(value)}).`,
      { details: { thread: name, option } },
    );
  };
  if (options === null || typeof options !== 'object') fail('', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) fail(key, `one of the known options (${[...KNOWN].join(', ')})`, key);
  }
  const o = { ...DEFAULT_THREAD_OPTIONS, ...withoutUndefined(options) } as ResolvedThreadOptions;

  if (typeof o.autoStart !== 'boolean') fail('autoStart', 'true or false', o.autoStart);
  if (!['permanent', 'transient', 'temporary'].includes(o.restart)) fail('restart', "'permanent', 'transient' or 'temporary'", o.restart);
  if (!['continue', 'exit'].includes(o.onFailure)) fail('onFailure', "'continue' or 'exit'", o.onFailure);
  for (const key of ['initialDelayMs', 'maxDelayMs', 'resetAfterMs', 'shutdownTimeoutMs'] as const) {
    if (!isFiniteNumber(o[key]) || o[key] < 0) fail(key, 'a finite number of milliseconds >= 0', o[key]);
  }
  if (!isFiniteNumber(o.windowMs) || o.windowMs <= 0) fail('windowMs', 'a finite number of milliseconds > 0', o.windowMs);
  if (o.maxDelayMs < o.initialDelayMs) fail('maxDelayMs', `>= initialDelayMs (${o.initialDelayMs})`, o.maxDelayMs);
  if (!isFiniteNumber(o.factor) || o.factor < 1) fail('factor', 'a finite number >= 1', o.factor);
  if (!isFiniteNumber(o.jitter) || o.jitter < 0 || o.jitter > 1) fail('jitter', 'a number from 0 to 1', o.jitter);
  if (!Number.isInteger(o.maxRestarts) || o.maxRestarts < 0) fail('maxRestarts', 'a whole number >= 0', o.maxRestarts);

  if (o.resourceLimits !== undefined) {
    if (o.resourceLimits === null || typeof o.resourceLimits !== 'object') fail('resourceLimits', 'an object', o.resourceLimits);
    for (const [key, value] of Object.entries(o.resourceLimits)) {
      if (!RESOURCE_LIMITS.has(key)) fail(`resourceLimits.${key}`, `one of ${[...RESOURCE_LIMITS].join(', ')}`, key);
      if (!isFiniteNumber(value) || value <= 0) fail(`resourceLimits.${key}`, 'a number of megabytes > 0', value);
    }
  }
  if (o.workerData !== undefined) {
    try {
      structuredClone(o.workerData);
    } catch (err) {
      fail('workerData', `data that can be structured-cloned to a thread (${(err as Error).message})`, o.workerData);
    }
  }
  if (o.env !== undefined && o.env !== SHARE_ENV) {
    if (o.env === null || typeof o.env !== 'object') fail('env', 'an object of strings or SHARE_ENV', o.env);
    for (const [key, value] of Object.entries(o.env)) {
      if (value !== undefined && typeof value !== 'string') fail(`env.${key}`, 'a string', value);
    }
  }
  return o;
}

function withoutUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Options of `new Daebus(name, options)`. */
export interface DaebusOptions {
  /** The winston logger every record goes to, threads' included. Default: `directLogger`. */
  logger?: Logger;
  /** Source of randomness for restart jitter (tests). Default `Math.random`. */
  random?: () => number;
  /** Largest request accepted, in bytes; a larger one gets a PAYLOAD_TOO_LARGE error reply. Default 8 MiB. */
  maxPayloadBytes?: number;
  /** On stop, how long running action handlers may take to reply before threads are stopped. Default 10 000 ms. */
  drainTimeoutMs?: number;
  /** Workers of the pool that runs pooled actions and tasks (Daebus's `max_workers`). Default: the machine's cores. */
  maxWorkers?: number;
}

export type ResolvedAppOptions = Required<Pick<DaebusOptions, 'maxPayloadBytes' | 'drainTimeoutMs' | 'maxWorkers'>> &
  Pick<DaebusOptions, 'logger' | 'random'>;

/** The app's defaults, in one place (documented in the package README). */
export const DEFAULT_APP_OPTIONS = Object.freeze({
  maxPayloadBytes: 8 * 1024 * 1024,
  drainTimeoutMs: 10_000,
  maxWorkers: availableParallelism(),
});

const APP_KNOWN = new Set(['logger', 'random', 'maxPayloadBytes', 'drainTimeoutMs', 'maxWorkers']);

export function resolveAppOptions(options: DaebusOptions): ResolvedAppOptions {
  const fail = (option: string, constraint: string, value: unknown): never => {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `new Daebus(name, options): ${option ? `options.${option}` : 'options'} must be ${constraint} (got ${show(value)}).`,
    );
  };
  if (options === null || typeof options !== 'object') fail('', 'an object', options);
  for (const key of Object.keys(options))
    if (!APP_KNOWN.has(key)) fail(key, `one of the known options (${[...APP_KNOWN].join(', ')})`, key);
  const o = { ...DEFAULT_APP_OPTIONS, ...withoutUndefined(options) } as ResolvedAppOptions;
  if (
    o.logger !== undefined &&
    (o.logger === null || typeof (o.logger as { log?: unknown }).log !== 'function' || typeof o.logger.child !== 'function')
  ) {
    fail('logger', 'a winston logger', o.logger);
  }
  if (o.random !== undefined && typeof o.random !== 'function') fail('random', 'a function returning a number in [0, 1)', o.random);
  if (!Number.isInteger(o.maxPayloadBytes) || o.maxPayloadBytes < 1)
    fail('maxPayloadBytes', 'a whole number of bytes >= 1', o.maxPayloadBytes);
  if (!isFiniteNumber(o.drainTimeoutMs) || o.drainTimeoutMs < 0)
    fail('drainTimeoutMs', 'a finite number of milliseconds >= 0', o.drainTimeoutMs);
  if (!Number.isInteger(o.maxWorkers) || o.maxWorkers < 1) fail('maxWorkers', 'a whole number >= 1', o.maxWorkers);
  return o;
}
