import { DaebusError, ErrorCodes } from '../shared/errors';

/** The exit status of every `daebus` command; docs/cli.md lists them for scripts. */
export const ExitCodes = Object.freeze({
  /** Done; for `health`, the service is ready. */
  OK: 0,
  /** The service answered with an error (a handler's, UNKNOWN_ACTION, FORBIDDEN, ...); for `health`, not ready. */
  FAILED: 1,
  /** The command line is wrong: unknown verb or option, a payload that is not JSON. */
  USAGE: 2,
  /** No answer: nobody serves the service, or the reply did not come within the timeout. */
  NO_ANSWER: 3,
  /** Redis could not be reached, or the connection was lost; or a request went unanswered and so did a PING (Redis paused, overloaded). */
  UNREACHABLE: 4,
});

export type ExitCode = (typeof ExitCodes)[keyof typeof ExitCodes];

/** A failure the command explains in its own words (`daebus: <message>`) before it exits with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** The exit status for an error a command let escape. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CliError) return err.exitCode;
  if (!(err instanceof DaebusError)) return ExitCodes.FAILED;
  switch (err.code) {
    case ErrorCodes.TIMEOUT:
    case ErrorCodes.NO_SUBSCRIBER:
      return ExitCodes.NO_ANSWER;
    case ErrorCodes.TRANSPORT_ERROR:
      return ExitCodes.UNREACHABLE;
    case ErrorCodes.INVALID_ARGUMENT:
    case ErrorCodes.INVALID_OPTION:
    case ErrorCodes.BAD_REQUEST:
      return ExitCodes.USAGE;
    default:
      return ExitCodes.FAILED;
  }
}

/**
 * One line for stderr: `daebus: error TIMEOUT: ...`. A service's error shows the service's own
 * code (UNKNOWN_ACTION, FORBIDDEN, ...) rather than the caller's REMOTE_ERROR.
 */
export function describeError(err: unknown): string {
  if (err instanceof CliError) return `daebus: ${err.message}`;
  if (err instanceof DaebusError) {
    const remote = err.code === ErrorCodes.REMOTE_ERROR ? err.details?.remoteCode : undefined;
    return `daebus: error ${typeof remote === 'string' ? remote : err.code}: ${err.message}`;
  }
  return `daebus: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`;
}

/** What a usage error ends with, in place of commander's second line. */
export const USAGE_HINT = '(add --help for usage)';

/**
 * commander's own error (`error: unknown option '--x'`, maybe with a `(Did you mean ...?)` line)
 * as one line in the form of the others, so that scripts can read stderr the same way.
 */
export function describeUsageError(text: string): string {
  const message = text
    .trim()
    .replace(/^error:\s*/, '')
    .replace(/\s*\n\s*/g, ' ');
  return `daebus: ${message} ${USAGE_HINT}`;
}
