import { DaebusError, ErrorCodes } from '../../shared/errors';
import { checker, isName, isPlainObject, isTimeout, type Checker } from '../../shared/validate';
import type { TransportChoice } from '../transport/resolve';

/** What a caller does with a request made while its transport is disconnected. */
export type OfflineBehaviour = 'fail' | 'queue';

/** Options of `new DaebusCaller(service, options)`; `transport` and `redis` as for `app.run()`. */
export interface CallerOptions extends TransportChoice {
  /** Default time to wait for a final reply, counted from the call. Default 5 000 ms (as Python Daebus). */
  timeoutMs?: number | undefined;
  /**
   * While the connection is down: `fail` rejects a request at once with TRANSPORT_ERROR (the
   * default); `queue` holds it until the connection is back and a service listens, within its
   * timeout. Either way a request reaches a service at most once, and is never sent after it
   * failed or timed out.
   */
  offline?: OfflineBehaviour | undefined;
  /**
   * Send requests to a replicated service through its durable stream, so that they survive the
   * death of the replica that takes them: `'auto'` (the default) does so whenever the service
   * runs replicas on this Redis, `true` always (Redis only), `false` never (pub/sub, as Python
   * Daebus does: at-most-once).
   */
  durable?: boolean | 'auto' | undefined;
}

/** Options of one `caller.sendRequest(action, payload, options)`. */
export interface RequestOptions {
  /** How long to wait for the final reply, counted from the call. Default: the caller's `timeoutMs`. */
  timeoutMs?: number | undefined;
  /** Called with the payload of each streamed (`final: false`) message before the final one. */
  onProgress?: ((payload: unknown) => void) | undefined;
}

/** A caller's default `timeoutMs`: 5 000 ms, as Python Daebus's. */
export const DEFAULT_CALLER_TIMEOUT_MS = 5_000;

// Each options object takes only its own keys: a typo is refused, not ignored (plain JavaScript has no type checker).
const CALLER_KEYS = ['transport', 'redis', 'timeoutMs', 'offline', 'durable'];
const REQUEST_KEYS = ['timeoutMs', 'onProgress'];

/** The checker of `new DaebusCaller`, once its options are an object of known keys. */
export function callerChecker(options: CallerOptions): Checker {
  const check = checker('new DaebusCaller(service, options)');
  check.knownKeys('options', check.plainObject('options', options), CALLER_KEYS);
  return check;
}

/** True when a request's arguments are valid: run on every request, so it builds nothing. */
export function validRequest(action: unknown, payload: unknown, timeoutMs: unknown, options: RequestOptions | undefined): boolean {
  if (!isName(action) || !isPlainObject(payload) || !isTimeout(timeoutMs)) return false;
  if (options === undefined) return true;
  if (typeof options !== 'object' || options === null) return false;
  for (const key in options) if (key !== 'timeoutMs' && key !== 'onProgress') return false;
  return true;
}

/** Throw INVALID_ARGUMENT for the first thing wrong with arguments that `validRequest` refused. */
export function checkRequest(action: unknown, payload: unknown, timeoutMs: unknown, options: RequestOptions | undefined): void {
  const check = checker(`sendRequest("${String(action)}")`, ErrorCodes.INVALID_ARGUMENT);
  // Python's send_request(action, payload, 5): seconds, where a bare number here would read as ms
  if (typeof options === 'number') {
    const ms = Number.isFinite(options) && options > 0 ? `{ timeoutMs: ${options * 1000} }` : '{ timeoutMs }';
    throw new DaebusError(
      ErrorCodes.INVALID_ARGUMENT,
      `sendRequest("${String(action)}"): options must be an object, got the number ${options}; a timeout goes in it, in milliseconds: ${ms} (Python's send_request takes seconds).`,
    );
  }
  if (options !== undefined) check.knownKeys('options', check.plainObject('options', options), REQUEST_KEYS);
  check.name('action', action);
  check.plainObject('payload', payload);
  check.timeout('options.timeoutMs', timeoutMs);
}
