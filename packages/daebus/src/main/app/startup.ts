import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DaebusError, ErrorCodes, fromPlainError, toPlainError, type PlainError } from '../../shared/errors';
import { Replication } from '../replicas/replication';
import { DEFAULT_REPLICA_OPTIONS, type ResolvedReplicaOptions } from '../replicas/options';
import { ServiceState } from '../state/service/service-state';
import type { ServiceBus } from '../rpc/service-bus';
import { runInScope, type Scope } from '../rpc/context';
import type { StartHook } from './blueprint';
import type { Supervisor } from '../supervisor/supervisor';
import type { Logger } from '../support/logger';
import { settlesBeforeAbort } from '../support/timers';
import type { Transport } from '../transport/transport';
import { isRedisReply, redisStartError } from '../transport/start-refusal';
import { warnOfEviction } from '../replicas/eviction-policy';
import type { Redis } from 'ioredis';
import { monotonicMs } from '../../shared/clock';

/** Between two tries to reach the transport at start. */
const RETRY_MS = 1_000;
/** While the start waits for the transport, one line in this many tries. */
const WAIT_LINE_EVERY = 10;

/**
 * Connect a service bus (and, for a replica, join the other replicas). With `waitMs` 0 the first failure is final (the default: fail fast
 * with the transport's message); otherwise it tries again every second, saying so in the log,
 * until the transport answers or `waitMs` has passed (compose-style start-ups, where Redis may
 * come up after the service).
 */
export async function connectBus(
  make: () => ServiceBus,
  logger: Logger,
  waitMs: number,
  replicas: ResolvedReplicaOptions | undefined,
  stopped: AbortSignal,
): Promise<{ bus: ServiceBus; replication?: Replication; state?: ServiceState }> {
  const deadline = monotonicMs() + waitMs;
  // a stop asked for while it connected: the service does not come up, and says so (the stop has nothing else to say)
  const stoppedWaiting = (bus: ServiceBus): DaebusError => {
    logger.info(`Service "${bus.service}" stopped while it was connecting to ${bus.transport.description}; no action or thread had run`);
    return stoppedBeforeStart(bus.service);
  };
  for (let attempt = 1; ; attempt++) {
    const bus = make();
    try {
      // a Redis that does not answer holds a connect for its whole timeout (5 s): a stop cuts it short
      const starting = bus.start();
      starting.catch(() => undefined);
      if (!(await settlesBeforeAbort(starting, stopped))) throw stoppedWaiting(bus);
      await starting;
      if (stopped.aborted) throw stoppedWaiting(bus);
      if (attempt > 1) logger.info(`Connected to ${bus.transport.description} after ${attempt} tries`);
      // made here, started by the runtime once the service counts as running
      const replication = replicas ? new Replication(bus, replicas, logger) : undefined;
      // on Redis, structures declared service-wide live there
      const client = bus.transport.cache?.();
      if (replication && client) void warnOfEviction(client, bus.transport.description, logger);
      const state = client
        ? new ServiceState({
            client,
            service: bus.service,
            consumer: replication?.id ?? randomUUID(),
            visibilityMs: replicas?.visibilityTimeoutMs ?? DEFAULT_REPLICA_OPTIONS.visibilityTimeoutMs,
            log: logger,
            // a replicated service was told above; another is told at its first service-wide operation, if it has one
            ...(replication ? {} : { checkEviction: bus.transport.description }),
          })
        : undefined;
      return { bus, ...(replication ? { replication } : {}), ...(state ? { state } : {}) };
    } catch (err) {
      await bus.close().catch(() => undefined);
      const left = deadline - monotonicMs();
      if (stopped.aborted) throw (err as DaebusError).code === ErrorCodes.STOPPED ? err : stoppedWaiting(bus);
      // Redis refusing (a permission, a full memory) is said as the start's, not as its own bare reply;
      // a wrong option (a database the server does not have) will not come right by waiting
      if ((err as DaebusError).code === ErrorCodes.INVALID_OPTION) throw err;
      if (left <= 0) throw isRedisReply(err) ? redisStartError(err, `service "${bus.service}"`) : err;
      // the first try said, then one in WAIT_LINE_EVERY: a start waiting 30 s wrote 30 lines
      if (attempt % WAIT_LINE_EVERY === 1)
        logger.warn(
          `Waiting for the transport: ${toPlainError(err).message} (try ${attempt}, trying every ${RETRY_MS / 1000} s; giving up in ${Math.ceil(left / 1000)} s)`,
        );
      // the last try at the deadline: it said "giving up in 3 s", and gave up after 2 s
      await sleep(Math.min(RETRY_MS, left), undefined, { signal: stopped }).catch(() => undefined);
    }
  }
}

/**
 * The line that says the service is up. On the in-memory transport it says that only this process
 * reaches it: a service ported from Python Daebus (which connects to Redis by default) and started
 * without REDIS_URL was otherwise unreachable with nothing said.
 */
/** The line that says the service is up, and its fields: a replica's id, which `daebus replicas` shows, ties this process's log to it. */
export function listeningLine(service: string, transport: string, replica?: string): [string, { replica?: string }] {
  const alone = transport === 'memory' ? ' (this process only: set REDIS_URL, or run({ redis }), for other processes to call it)' : '';
  const as = replica === undefined ? '' : ` as replica ${replica}`;
  return [`Service "${service}" listening on ${transport}${alone}${as}`, replica === undefined ? {} : { replica }];
}

/** A start of an app that is not idle: nothing to do when it runs as `requested` (or unnamed), else refused. */
export function refuseStartAs(phase: string, current: string, requested: string | undefined): void {
  if (requested !== undefined && requested !== current) {
    throw new DaebusError(
      ErrorCodes.INVALID_STATE,
      `The app is already ${phase === 'stopping' ? 'stopping' : 'started'} as service "${current}"; stop it before starting it as "${requested}".`,
    );
  }
  if (phase === 'stopping')
    throw new DaebusError(ErrorCodes.SERVICE_STOPPING, `Service "${current}" is stopping; start it again after stop() resolves.`);
}

/** What a broadcast rejects with before the start or after the stop. */
export function notStartedToBroadcast(service: string): DaebusError {
  return new DaebusError(ErrorCodes.INVALID_STATE, `Service "${service}" is not started: broadcast after app.run() or app.start().`);
}

/** What a start rejects with when a stop was asked for before it finished. */
export function stoppedBeforeStart(service: string): DaebusError {
  return new DaebusError(ErrorCodes.STOPPED, `Service "${service}" was stopped before it finished starting.`);
}

/**
 * Start the app's threads; resolves with the required ones that failed to start (see Supervisor.startAll). A stop cuts the
 * wait short (STOPPED) without waiting for the threads still loading their modules: the stop that
 * follows asks them to stop and terminates them after their shutdownTimeoutMs, as it does running
 * threads. Waiting here held the stop for as long as a module's top-level code ran (forever for a loop).
 */
export async function startThreads(
  supervisor: Supervisor,
  stopped: AbortSignal,
  service: string,
): Promise<{ name: string; error: Error; exits: boolean }[]> {
  const started = supervisor.startAll();
  if (!(await settlesBeforeAbort(started, stopped)) || stopped.aborted) throw stoppedBeforeStart(service);
  return started;
}

/** How long a start hook runs before it is logged: the service is not ready until the hooks return. */
const HOOK_WARN_MS = 10_000;

function slowHookLine(name: string): string {
  return (
    `The start hook "${name}" is still running after ${HOOK_WARN_MS / 1000} s: the service is not ready, and app.start() ` +
    '(app.run()) does not return, until every start hook has returned. Run long or endless work in a thread ' +
    '(app.thread) or a background task (app.background), or start it from the hook without awaiting it.'
  );
}

/**
 * Record a start hook. One registered once this start's hooks have run (the service is ready, or
 * stopping) waits for the next start, and a warning says so, as for a route registered late.
 */
export function addStartHook(
  app: { readonly hooks: { name: string; hook: StartHook }[]; status(): { startedAt?: number } },
  name: string,
  hook: StartHook,
  logger: Logger,
): void {
  app.hooks.push({ name, hook });
  if (app.status().startedAt === undefined) return;
  logger.warn(
    `The start hook "${name}" was registered after the service had started: it runs at the next start, not now. ` +
      'Register start hooks before app.start() (app.run()); to run something now, call it.',
  );
}

/**
 * Run the start hooks in order; one that fails is logged and the next runs. A stop cuts it short
 * (STOPPED): a hook still running is not waited for (one that never settled held Ctrl-C forever).
 */
export async function runStartHooks(
  hooks: readonly { name: string; hook: StartHook }[],
  scope: Scope,
  logger: Logger,
  stopped: AbortSignal,
  service: string,
): Promise<void> {
  for (const [at, { name, hook }] of hooks.entries()) {
    if (stopped.aborted) break;
    let returned = false;
    const slow = setTimeout(() => logger.warn(slowHookLine(name)), HOOK_WARN_MS).unref();
    const ran = new Promise((resolve) => resolve(runInScope(scope, hook)))
      .catch((err: unknown) => logger.error(`The start hook "${name}" failed: ${toPlainError(err).message}`, { error: toPlainError(err) }))
      .then(() => void (returned = true));
    const settled = await settlesBeforeAbort(ran, stopped);
    clearTimeout(slow);
    if (!settled) {
      // a hook that asked for the stop itself (app.stop() without awaiting it) has returned by the next turn
      await new Promise((resolve) => setImmediate(resolve));
      // the hooks after it never run: named (before, only the hook still running was)
      const left = hooks.slice(at + 1).map((h) => `"${h.name}"`);
      const skipped = left.length === 0 ? '' : `; the hook(s) after it did not run: ${left.join(', ')}`;
      if (!returned) logger.warn(`The start hook "${name}" was still running when the service was asked to stop; not waited for${skipped}`);
      break;
    }
  }
  if (stopped.aborted) throw stoppedBeforeStart(service);
}

/**
 * THREAD_START_FAILED for the required threads that did not start with the service, naming
 * each and its cause; the first one's own error (with the user's stack, when it came from the
 * module) is the `cause`.
 */
export function threadsDidNotStart(service: string, failures: { name: string; error: Error; exits: boolean }[]): DaebusError {
  // "thread "x" ended before it started: ...", not "thread "x": Thread "x" ended ..."
  const lines = failures.map(({ name, error }) => {
    const message = error.message.replace(/\.$/, '');
    const subject = `Thread "${name}" `;
    return message.startsWith(subject) ? `thread "${name}" ${message.slice(subject.length)}` : `thread "${name}": ${message}`;
  });
  const first = failures[0]?.error as (Error & { details?: { cause?: PlainError } }) | undefined;
  const userError = first?.details?.cause;
  return new DaebusError(
    ErrorCodes.THREAD_START_FAILED,
    `Service "${service}" did not start: ${lines.join('; ')}. ${startFailureHint(failures.filter((f) => f.exits).map((f) => f.name))}`,
    { cause: userError ? fromPlainError(userError) : first, details: { threads: failures.map((f) => f.name) } },
  );
}

/** What to do; `exiting`: the threads among them whose onFailure is 'exit' (optional does not help those). */
function startFailureHint(exiting: string[]): string {
  if (exiting.length === 0) return 'Fix the cause, or register the thread with { optional: true } to start without it.';
  return `Fix the cause: the service does not run without ${exiting.map((name) => `"${name}"`).join(', ')} (onFailure: 'exit').`;
}

/** The transport's key/value client (Daebus's `cache`); INVALID_STATE when there is none. */
export function cacheClient(transport: Transport | undefined, service: string): Redis {
  const client = transport?.cache?.();
  if (!client) {
    throw new DaebusError(
      ErrorCodes.INVALID_STATE,
      `cache needs service "${service}" started on the Redis transport (the redis option or REDIS_URL).`,
    );
  }
  return client;
}
