import { toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { onProcess } from './process-listeners';

/**
 * While `app.run()` owns the process, an exception or rejection that escapes user code (a
 * throwing timer callback, a promise nobody awaited) is logged instead of ending the service.
 * Returns a function that removes the guards.
 */
export function guardProcess(logger: Logger): () => void {
  const onException = (err: unknown): void => {
    logger.error(`Uncaught exception (the service goes on): ${toPlainError(err).message}`, { error: toPlainError(err) });
  };
  const onRejection = (reason: unknown): void => {
    logger.error(`Unhandled promise rejection (the service goes on): ${toPlainError(reason).message}`, { error: toPlainError(reason) });
  };
  const removals = [onProcess('uncaughtException', onException), onProcess('unhandledRejection', onRejection)];
  return () => {
    for (const remove of removals) remove();
  };
}
