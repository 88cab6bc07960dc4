import { clippedList } from '../../shared/clipped';
import { ErrorCodes, toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { blockedWorkers } from '../workers/ending-workers';
import { endProcess } from './process-exit';
import { carryBound, joinRuns, leaveRuns, runsActive } from './process-runs';
import { installSignalHandlers } from './signals';

export interface RunOptions {
  /** Stop on SIGINT/SIGTERM (a second signal forces the stop). Default true. */
  handleSignals?: boolean | undefined;
  /**
   * Let an exception or rejection that escapes user code end the process, as Node does by
   * default. Default false: it is logged and the service goes on.
   */
  exitOnUncaughtError?: boolean | undefined;
}

/** What `run()` drives: a service that starts, stops, and can be forced to stop. */
export interface Runnable {
  readonly service: string;
  readonly logger: Logger;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Give up on user code: resolves with the actions abandoned. */
  forceStop(): Promise<string[]>;
  /** Resolves when the service next finishes stopping. */
  nextStop(): Promise<StopOutcome>;
}

/** How a stop ended: its exit code, and whether it gave up on handlers that may still run. */
export interface StopOutcome {
  code: number;
  gaveUp: boolean;
}

/** After a second signal, the longest the process lives on. */
export const FORCE_EXIT_MS = 2_000;
/** After a stop that gave up on user code (exit code not 0), the longest that code may keep the process alive. */
export const EXIT_GRACE_MS = 2_000;
/** After a clean stop, when the process still runs (the application holds a timer or a socket), it is said once. */
export const CLEAN_EXIT_WARN_MS = 5_000;

/**
 * Own the process while `service` runs: keep it alive, stop on signals, log what escapes user
 * code, and leave the exit code in `process.exitCode`. Resolves with that code once stopped.
 */
export async function runOwningProcess(service: Runnable, options: RunOptions): Promise<number> {
  const { logger } = service;
  const stopped = service.nextStop();
  const keepAlive = setInterval(() => undefined, 1 << 30);
  let signalled: string | undefined; // the first signal
  const removeSignals =
    options.handleSignals === false
      ? () => undefined
      : installSignalHandlers({
          stop: (signal) => {
            signalled = signal;
            logger.info(`Received ${signal}: stopping service "${service.service}"`);
            void service.stop();
          },
          force: (signal) => {
            const which = signal === signalled ? `${signal} again` : `${signal} after ${signalled ?? 'a signal'}`;
            logger.warn(`Received ${which}: forcing the stop; the process ends within ${FORCE_EXIT_MS / 1000} s`);
            // the bound holds whatever user code does; the forced stop usually ends sooner
            setTimeout(() => endProcess(1, logger), FORCE_EXIT_MS);
            void service.forceStop().then(
              (abandoned) => {
                if (abandoned.length > 0) logger.warn(`Forced stop: gave up on ${clippedList(abandoned)}`);
                endProcess(1, logger);
              },
              () => endProcess(1, logger),
            );
          },
          // a worker blocked in a native call would hold a plain process.exit (a Ctrl-C during the last seconds)
          exit: () => endProcess(Number(process.exitCode ?? 0), logger),
        });
  const run = { logger, exitOnUncaughtError: options.exitOnUncaughtError === true };
  joinRuns(run);
  let outcome = { code: 1, bounded: false }; // a start that failed ends no process by force
  try {
    try {
      await service.start();
    } catch (err) {
      // a stop asked for during the start (a signal, app.stop() from the user's own handler or a
      // start hook, a required thread failing with onFailure 'exit'): its outcome is run()'s
      if (signalled === undefined && toPlainError(err).code !== ErrorCodes.STOPPED) {
        // said once, with the user's own error (and its stack) when there is one
        const plain = toPlainError(err);
        const cause = (err as { cause?: unknown }).cause;
        logger.error(plain.message, { error: cause === undefined ? plain : toPlainError(cause) });
        return 1;
      }
    }
    const { code, gaveUp } = await stopped;
    // user code the stop gave up on may still hold timers or sockets (a replica's handler left
    // to another replica, exit code 0, too): it gets a bounded time
    outcome = { code, bounded: code !== 0 || gaveUp };
    return code;
  } finally {
    clearInterval(keepAlive);
    removeSignals();
    // with other apps still running, the process is theirs: the last run to end applies every run's outcome
    const ended = leaveRuns(run, outcome.code, outcome.bounded);
    process.exitCode = ended.code;
    if (ended.last) endsItself(ended, logger);
  }
}

/**
 * Once no run is left: a bounded end after a stop that gave up on user code, else a word if the
 * process does not end. Neither once `run()` was called again meanwhile: the process is that run's,
 * and the bound waits for its end.
 */
function endsItself({ code, bounded }: { code: number; bounded: boolean }, logger: Logger): void {
  if (bounded) {
    setTimeout(() => {
      if (runsActive()) return carryBound();
      // a worker blocked in a native call holds it: endProcess says so instead
      if (blockedWorkers(0) === 0)
        logger.warn(`Still running ${EXIT_GRACE_MS / 1000} s after the stop (user code holds the event loop): exiting with code ${code}`);
      endProcess(code, logger);
    }, EXIT_GRACE_MS).unref();
  } else if (code === 0) {
    // the process ends by itself (README): a timer or client of the application's keeps it up, and a
    // container's stop then ends in SIGKILL, its log saying the stop was clean (unref'd: not said once it ends)
    setTimeout(() => runsActive() || logger.warn(stillRunning()), CLEAN_EXIT_WARN_MS).unref();
  }
}

/** What a process that outlives its clean stop is told: what holds its event loop, counted by kind. */
function stillRunning(): string {
  const counts = new Map<string, number>();
  // this warning's own timer is unref'd: it is not among them; nor are stdout's and stderr's pipes
  // or terminals, which are listed though they hold nothing up
  for (const kind of process.getActiveResourcesInfo())
    if (kind !== 'PipeWrap' && kind !== 'TTYWrap') counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const held = [...counts].map(([kind, n]) => (n > 1 ? `${kind} x${n}` : kind)).join(', ');
  return (
    `Still running ${CLEAN_EXIT_WARN_MS / 1000} s after a clean stop: something the application opened keeps Node's event loop alive` +
    `${held ? ` (${held})` : ''}. Close it once run() resolves (clear its timers, close its clients), or end the process then ` +
    '(process.exit(code)): a container stop would otherwise end it with SIGKILL.'
  );
}
