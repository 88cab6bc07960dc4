import { CliError, describeError, ExitCodes } from './exit-codes';
import { printError } from './output';

/** Aborted once stdout fails: nothing more can be shown, so the verbs that run until stopped stop. */
const outputGone = new AbortController();
/** A write to stdout failed (not EPIPE): the status is 1 whatever the verb returns. */
let writeFailed = false;

/** True once a write to stdout failed, other than its reader going away. */
export function stdoutWriteFailed(): boolean {
  return writeFailed;
}

/** Resolves once what was written to stdout and stderr has been handed to the system. */
export function outputFlushed(): Promise<void> {
  const flushed = (stream: NodeJS.WritableStream): Promise<void> => new Promise((resolve) => stream.write('', () => resolve()));
  return Promise.all([flushed(process.stdout), flushed(process.stderr)]).then(() => undefined);
}

/** What {@link untilInterrupted} returns. */
export interface Interrupt {
  stopped: Promise<void>;
  signal: AbortSignal;
  stop(): void;
  dispose(): void;
}

/**
 * Resolves on the first Ctrl-C (SIGINT) or SIGTERM, or when stdout fails (see
 * {@link stopWhenStdoutFails}) or `stop()` is called, for the verbs that run until stopped; a
 * second signal exits at once, in case closing hangs. `dispose()` removes the handlers.
 */
export function untilInterrupted(): Interrupt {
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
 * What `work` resolves with, or undefined once `stopped` resolves first (Ctrl-C while connecting
 * to a Redis that does not answer): what `work` opens after that is handed to `discard`, and its
 * failure is dropped. A failure of `work` before then is thrown.
 */
export async function unlessStopped<T>(
  stopped: Promise<void>,
  work: Promise<T>,
  discard: (value: T) => Promise<unknown>,
): Promise<T | undefined> {
  const first = await Promise.race([work.then((value) => ({ value })), stopped.then(() => undefined)]);
  if (first === undefined) work.then(discard).catch(() => undefined);
  return first?.value;
}

/**
 * Stop as Ctrl-C would when `stdout` fails. EPIPE means its reader has gone (`daebus watch x |
 * head`): that is how such a pipe ends, so quietly and with the verb's own status. Any other
 * failure is one error line and status 1. Without a listener, either would crash with a stack.
 */
export function stopWhenStdoutFails(stdout: NodeJS.EventEmitter = process.stdout, stderr: NodeJS.EventEmitter = process.stderr): void {
  // stderr's reader gone (`daebus call x y 2>&1 | head -1`): nowhere to say anything, and the
  // verb's own output and status still count (before, an uncaught EPIPE: status 1)
  stderr.on('error', () => undefined);
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && !writeFailed) {
      const failure = new CliError(`cannot write to stdout: ${err.message}`, ExitCodes.FAILED);
      printError(describeError(failure));
      process.exitCode = failure.exitCode;
      writeFailed = true;
    }
    outputGone.abort();
  });
}
