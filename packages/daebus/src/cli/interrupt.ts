import { CliError, describeError, ExitCodes } from './exit-codes';
import { printError } from './output';

/** Aborted once stdout fails: nothing more can be shown, so the verbs that run until stopped stop. */
const outputGone = new AbortController();

/**
 * Resolves on the first Ctrl-C (SIGINT) or SIGTERM, or when stdout fails (see
 * {@link stopWhenStdoutFails}) or `stop()` is called, for the verbs that run until stopped; a
 * second signal exits at once, in case closing hangs. `dispose()` removes the handlers.
 */
export function untilInterrupted(): { stopped: Promise<void>; signal: AbortSignal; stop(): void; dispose(): void } {
  const controller = new AbortController();
  let signalled = false;
  let resolve: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (resolve = r));
  const stop = (): void => {
    controller.abort();
    resolve();
  };
  const onSignal = (): void => {
    if (signalled) process.exit(130);
    signalled = true;
    stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  outputGone.signal.addEventListener('abort', stop);
  if (outputGone.signal.aborted) stop();
  return {
    stopped,
    signal: controller.signal,
    /** End it from within (what the verb saw that ends it), as a signal would. */
    stop,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      outputGone.signal.removeEventListener('abort', stop);
    },
  };
}

/**
 * Stop as Ctrl-C would when `stdout` fails. EPIPE means its reader has gone (`daebus watch x |
 * head`): that is how such a pipe ends, so quietly and with the verb's own status. Any other
 * failure is one error line and status 1. Without a listener, either would crash with a stack.
 */
export function stopWhenStdoutFails(stdout: NodeJS.EventEmitter = process.stdout): void {
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') {
      const failure = new CliError(`cannot write to stdout: ${err.message}`, ExitCodes.FAILED);
      printError(describeError(failure));
      process.exitCode = failure.exitCode;
    }
    outputGone.abort();
  });
}
