import { availableParallelism } from 'node:os';
import { checker, withoutUndefined, type Checker } from '../../shared/validate';
import type { AdminOptions } from '../ops/admin';
import type { Logger } from '../support/logger';
import type { ReplicaOptions } from '../replicas/options';
import type { HttpStartOptions } from '../http/endpoints';
import type { TransportChoice } from '../transport/resolve';
import type { RunOptions as ProcessOptions } from './process-owner';

/** Options of `new Daebus(name, options)`. */
export interface DaebusOptions {
  /** The winston logger every record goes to, threads' included. Default: `directLogger`. */
  logger?: Logger | undefined;
  /** Source of randomness for restart jitter (tests). Default `Math.random`. */
  random?: (() => number) | undefined;
  /** Largest request accepted, in bytes (at least 1 024); a larger one gets a PAYLOAD_TOO_LARGE error reply. Default 8 MiB. */
  maxPayloadBytes?: number | undefined;
  /**
   * Largest reply published over Redis, in bytes (at least 1 024); a larger one is not sent and its caller gets a
   * PAYLOAD_TOO_LARGE error reply (Redis drops a subscriber whose output buffer passes 32 MiB, by
   * default, which one message of about 28 MiB does: Redis counts the memory it allocates for it).
   * Default 24 MiB.
   */
  maxReplyBytes?: number | undefined;
  /** On stop, how long running action handlers may take to reply before threads are stopped. Default 10 000 ms. */
  drainTimeoutMs?: number | undefined;
  /** Workers of the pool that runs pooled actions and tasks (Daebus's `max_workers`). Default: the machine's cores. */
  maxWorkers?: number | undefined;
  /** Handlers of one action running at once (each action can set its own). Default 256. */
  concurrency?: number | undefined;
  /** Requests of one action waiting for a free slot; past that a request gets a BUSY error reply. Default 1 024. */
  maxQueued?: number | undefined;
  /** Prometheus metrics: `app.metrics()` and the HTTP server's `/metrics`. Default true. */
  metrics?: boolean | undefined;
  /**
   * The admin actions (`daebus.thread.start|stop|restart`, `daebus.task.pause|resume`): `true` turns
   * them on, `{ token }` turns them on for requests that carry the token. Anyone who can publish on
   * the service's channel can call them. Default false.
   */
  admin?: boolean | { token: string } | undefined;
}

export type ResolvedAppOptions = Required<
  Pick<DaebusOptions, 'maxPayloadBytes' | 'maxReplyBytes' | 'drainTimeoutMs' | 'maxWorkers' | 'concurrency' | 'maxQueued' | 'metrics'>
> &
  Pick<DaebusOptions, 'logger' | 'random'> & { admin: AdminOptions };

/** The app's defaults, in one place (documented in the package README). */
export const DEFAULT_APP_OPTIONS = Object.freeze({
  maxPayloadBytes: 8 * 1024 * 1024,
  maxReplyBytes: 24 * 1024 * 1024,
  drainTimeoutMs: 10_000,
  maxWorkers: availableParallelism(),
  concurrency: 256,
  maxQueued: 1_024,
  metrics: true,
  admin: false,
});

const KNOWN = ['logger', 'random', ...Object.keys(DEFAULT_APP_OPTIONS)];

/** The smallest maxPayloadBytes and maxReplyBytes: a ping or health request fits, and so does their reply (health's names failed threads: long names can still pass it). */
const MIN_MESSAGE_BYTES = 1_024;

/** The largest pool daebus makes. */
const MAX_WORKERS = 1_024;

export function resolveAppOptions(options: DaebusOptions): ResolvedAppOptions {
  const check = checker('new Daebus(name, options)');
  check.knownKeys('options', check.plainObject('options', options), KNOWN);
  const { admin, ...rest } = { ...DEFAULT_APP_OPTIONS, ...withoutUndefined(options) };
  const o = { ...rest, admin: resolveAdmin(check, admin) } as ResolvedAppOptions;
  const logger = o.logger as { log?: unknown; child?: unknown } | null | undefined;
  if (logger !== undefined && (logger === null || typeof logger.log !== 'function' || typeof logger.child !== 'function')) {
    check.fail('options.logger', 'a winston logger', o.logger);
  }
  if (o.random !== undefined) check.fn('options.random', o.random);
  // below a kilobyte even the built-in daebus.ping and daebus.health were refused (PAYLOAD_TOO_LARGE)
  for (const key of ['maxPayloadBytes', 'maxReplyBytes'] as const) {
    if (!Number.isInteger(o[key]) || o[key] < MIN_MESSAGE_BYTES)
      check.fail(
        `options.${key}`,
        `a whole number of bytes >= ${MIN_MESSAGE_BYTES} (below, even the built-in daebus.ping and daebus.health were refused)`,
        o[key],
      );
  }
  check.duration('options.drainTimeoutMs', o.drainTimeoutMs);
  check.count('options.maxWorkers', o.maxWorkers, 1);
  // each worker is a thread with its own heap: past this, a typo (1e9) took seconds and gigabytes
  // of bookkeeping at start, or failed it with a bare RangeError
  if (o.maxWorkers > MAX_WORKERS)
    check.fail('options.maxWorkers', `at most ${MAX_WORKERS} (threads, each with its own heap)`, o.maxWorkers);
  check.count('options.concurrency', o.concurrency, 1);
  check.count('options.maxQueued', o.maxQueued, 0);
  check.flag('options.metrics', o.metrics);
  return o;
}

function resolveAdmin(check: Checker, admin: unknown): AdminOptions {
  if (typeof admin === 'boolean') return { enabled: admin };
  if (typeof admin !== 'object' || admin === null) check.fail('options.admin', 'true, false, or { token: string }', admin);
  const token = (check.plainObject('options.admin', admin) as { token?: unknown }).token;
  check.knownKeys('options.admin', admin as Record<string, unknown>, ['token']);
  if (typeof token !== 'string' || token.length < 8) check.fail('options.admin.token', 'a string of at least 8 characters', token);
  return { enabled: true, token: token as string };
}

/**
 * Where requests come from: `transport: 'memory' | 'redis' | Transport`, `redis: url | ioredis
 * options`. Without either, `REDIS_URL` from the environment means Redis; otherwise memory.
 */
export interface StartOptions extends TransportChoice, HttpStartOptions {
  /** The service name (Daebus's `app.run(service=...)`): the channel its actions are requested on. Default: the app's name. */
  service?: string | undefined;
  /**
   * How long to wait for the transport at start, trying again every second and logging while it
   * waits (Redis starting after the service). Default 0: a transport that cannot be reached
   * fails the start at once.
   */
  connectTimeoutMs?: number | undefined;
  /**
   * Run as one replica of the service among any number on the same Redis: each request is handled
   * by one replica, durable requests survive a replica's death, and `scope: 'service'` structures
   * are shared (see the package README, "Replicas"). `true`, or options. Default: not replicated.
   */
  replicas?: boolean | ReplicaOptions | undefined;
}

/** `run()` options: `start()`'s, plus signals and uncaught errors. */
export interface RunOptions extends StartOptions, ProcessOptions {}

/** Options of `app.stop()`. */
export interface StopOptions {
  /** Wait this long for each thread instead of its own `shutdownTimeoutMs`. */
  timeoutMs?: number | undefined;
}

const START_KEYS = ['service', 'connectTimeoutMs', 'replicas', 'transport', 'redis', 'http', 'websocket'];

/** The checker of `start(options)`, once the options are an object of known keys (a typo is an error, not a default). */
export function startChecker(options: StartOptions): Checker {
  const check = checker('start(options)');
  check.knownKeys('options', check.plainObject('options', options), START_KEYS);
  return check;
}

/** `app.stop(options)`'s wait, checked: `app.stop(5000)` or `{ timeout }` was taken as no option at all. */
export function stopTimeout(options: StopOptions): number | undefined {
  const check = checker('app.stop(options)');
  check.knownKeys('options', check.plainObject('options', options), ['timeoutMs']);
  // as a thread's stop checks it: Infinity, NaN or -1 terminated every thread at once (Node's timers take them as 1 ms)
  return options.timeoutMs === undefined ? undefined : check.duration('timeoutMs', options.timeoutMs);
}
