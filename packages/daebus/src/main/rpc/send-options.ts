// The second argument of an action's `response.send` and `response.error`, read strictly: a
// service ported from Python passes `final` as a bare boolean (`response.send(p, False)`), and a
// wrong shape (an HTTP status, `{ final: 'no' }`) must not be taken for a final reply unseen.
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { show } from '../../shared/validate';

/** Options of `response.send(data, options)` and `response.error(err, options)` in an action. */
export interface SendOptions {
  /** `false` for a streamed update before the final reply. Default true. */
  final?: boolean | undefined;
}

/**
 * Whether a reply with these options is the final one: `undefined`, `{ final?: boolean }`, or a
 * boolean (Python Daebus's positional `final`). Throws INVALID_ARGUMENT for anything else.
 */
export function isFinal(method: string, options: unknown): boolean {
  if (options === undefined || options === true) return true;
  if (options === false) return false;
  if (options !== null && typeof options === 'object' && !Array.isArray(options) && onlyFinal(options)) {
    const { final } = options as { final?: unknown };
    if (final === undefined || typeof final === 'boolean') return final !== false;
  }
  throw new DaebusError(
    ErrorCodes.INVALID_ARGUMENT,
    `response.${method}(${method === 'error' ? 'err' : 'data'}, options): options must be { final: boolean } or a boolean (Python's final), got ${show(options)}.` +
      (typeof options === 'number' ? ' A status is for HTTP routes; an action has none.' : ''),
  );
}

/** No key but `final` (a misspelt `finale`, Python's `status_code`): checked on every streamed update, so it builds nothing. */
function onlyFinal(options: object): boolean {
  for (const key in options) if (key !== 'final') return false;
  return true;
}
