import type { PlainError } from '../../shared/errors';

/**
 * A winston transport whose `log()` throws never calls its callback: winston then holds every
 * later record in that transport's buffer, and nothing says so. An error escaping from there
 * would be reported through the same logger, and lost with everything after it.
 */
export function thrownByLogTransport(error: PlainError): boolean {
  return typeof error.stack === 'string' && /[\\/]winston-transport[\\/]/.test(error.stack);
}

/** Told once per process, on stderr: the logger may be the one that no longer writes. */
let told = false;

/** Say on stderr that a transport of the app's logger threw, once; true when this call said it. */
export function tellBrokenTransport(error: PlainError): boolean {
  if (told) return false;
  told = true;
  process.stderr.write(
    `daebus: a transport of the app's logger threw (${error.message}). winston writes nothing more through a transport ` +
      `once its log() threw, so this service's log lines may stop here. A transport's log() must not throw, and must call ` +
      `its callback.\n${error.stack ?? ''}\n`,
  );
  return true;
}
