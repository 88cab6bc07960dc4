import { validateHeaderName, validateHeaderValue } from 'node:http';
import { DaebusError, ErrorCodes } from '../../shared/errors';

/**
 * Refuse, when a handler sets it, a response header Node would refuse when the answer is written
 * (a name that is not an HTTP token, a value with a newline or a character above U+00FF): the
 * handler hears of it where it made the mistake, and its request still gets an answer.
 */
export function checkHeader(name: string, value: unknown): void {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      `response.header(): the value of "${name}" must be a string, a number, or a list of strings (got ${typeof value}).`,
    );
  }
  if (name.toLowerCase() === 'transfer-encoding') {
    // the server frames the body itself (content-length); a second framing makes clients drop the answer
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      'response.header(): "transfer-encoding" is set by the server from the body it sends; leave it out.',
    );
  }
  try {
    validateHeaderName(name);
  } catch {
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      `response.header(): ${JSON.stringify(name)} is not a valid header name; use letters, digits and - only (no spaces or colons).`,
    );
  }
  try {
    validateHeaderValue(name, String(value));
  } catch {
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      `response.header(): the value of "${name}" has a character HTTP headers cannot carry (a line break, a control ` +
        'character, or one above U+00FF such as a non-Latin-1 letter); percent-encode such text (a file name: ' +
        `filename*=UTF-8''<encodeURIComponent(name)>, RFC 6266). Got ${JSON.stringify(String(value)).slice(0, 80)}.`,
    );
  }
}
