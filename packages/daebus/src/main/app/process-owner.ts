import type { Logger } from '../support/logger';
import { guardProcess } from './process-guards';
import { installSignalHandlers } from './signals';

export interface RunOptions {
  /** Stop on SIGINT/SIGTERM (a second signal forces the stop). Default true. */
  handleSignals?: boolean;
  /**
   * Let an exception or rejection that escapes user code end the process, as Node does by
   * default. Default false: it is logged and the service goes on.
   */
  exitOnUncaughtError?: boolean;
}

/** What `run()` drives: a service that starts, stops, and can be forced to stop. */
export interface Runnable {
  readonly service: string;
  readonly logger: Logger;
  start(): Promise<void>;
  stop(): Promise<void>;
  forceStop(): Promise<void>;
  /** Resolves with the exit code when the service next finishes stopping. */
  nextStop(): Promise<number>;
}

/**
 * Own the process while `service` runs: keep it alive, stop on signals, log what escapes user
 * code, and leave the exit code in `process.exitCode`. Resolves with that code once stopped.
 */
export async function runOwningProcess(service: Runnable, options: RunOptions): Promise<number> {
  const { logger } = service;
  const stopped = service.nextStop();
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const removeSignals =
    options.handleSignals === false
      ? () => undefined
      : installSignalHandlers({
          stop: (signal) => {
            logger.info(`Received ${signal}: stopping service "${service.service}"`);
            void service.stop();
          },
          force: (signal) => {
            logger.warn(`Received ${signal} again: terminating every thread now`);
            void service.forceStop();
          },
        });
  const removeGuards = options.exitOnUncaughtError === true ? () => undefined : guardProcess(logger);
  try {
    await service.start();
    const code = await stopped;
    process.exitCode = code;
    return code;
  } finally {
    clearInterval(keepAlive);
    removeSignals();
    removeGuards();
  }
}
