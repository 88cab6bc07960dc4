import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { PROTOTYPE_KEYS } from './wire';
import type { Transport } from '../transport/transport';

/** Nobody received a request on `service`'s channel, so nobody runs it (`transport`: the caller's, as described). */
export function noSubscriber(service: string, transport: string): DaebusError {
  // the first mistakes of a separate client script: no REDIS_URL (the caller is in-process), or a
  // service run without one (the service is): each side is told where it looked and why
  const where =
    transport === 'memory'
      ? ' This caller uses the in-memory transport (a caller given no redis option and no REDIS_URL does), which reaches only services of this process; give it the redis URL of the service.'
      : ` This caller looked on Redis at ${transport}: a service given no redis option and no REDIS_URL runs on the in-memory transport, which no other process can reach.`;
  return new DaebusError(
    ErrorCodes.NO_SUBSCRIBER,
    `No service is listening on channel "${service}": is "${service}" running on this transport?${where}`,
  );
}

// a wrong option (a database the server refused) is not the transport's failure
const PASSED_ON: ReadonlySet<string> = new Set([ErrorCodes.TRANSPORT_ERROR, ErrorCodes.INVALID_ARGUMENT, ErrorCodes.INVALID_OPTION]);

/** Why a request of `action` was not sent: the error itself when it says so already, else TRANSPORT_ERROR. */
export function sendFailure(action: string, err: unknown): DaebusError {
  if (err instanceof DaebusError && PASSED_ON.has(err.code)) return err;
  return new DaebusError(ErrorCodes.TRANSPORT_ERROR, `Could not send "${action}": ${toPlainError(err).message}`, { cause: err });
}

/** A request sent whose reply the connection's loss took with it (`details.sent`: it went out, and may have run). */
export function lostInFlight(reason: string): DaebusError {
  return new DaebusError(ErrorCodes.TRANSPORT_ERROR, reason, { details: { sent: true } });
}

/** A reply to a request of `action` that cannot be read: the request fails now, not at its timeout. */
export function unreadableReply(service: string, action: string, why: string): DaebusError {
  const must =
    why === PROTOTYPE_KEYS
      ? "Such a key is refused, as code merging the reply into an object would change that object's prototype: the service must rename it."
      : 'The service must send its replies as JSON text encoded in UTF-8 (docs/protocol.md).';
  return new DaebusError(
    ErrorCodes.BAD_RESPONSE,
    `Service "${service}" answered "${action}" with a message that ${why}, so its reply cannot be read (the action may have run). ${must}`,
    { details: { service } },
  );
}

/** A request on a caller that was closed. */
export function closedError(): DaebusError {
  return new DaebusError(ErrorCodes.STOPPED, 'This caller is closed; make a new one.');
}

/** What a caller could not send: a request, a message (no reply), or a query of Redis (`replicas()`, `deadLetters()`). */
export type Unsent = 'request' | 'message' | 'query';

/**
 * Not connected (`within`: how long it waited), so `what` was not sent; when Redis refuses the
 * reply channel (a permission taken away), its answer; `lastTry`: why the last try to connect failed.
 */
export function notConnected(transport: Transport, within: string, what: Unsent, lastTry?: string): DaebusError {
  const refusal = transport.refusal?.();
  const why = refusal === undefined ? '' : ` (Redis refuses to subscribe its reply channel again: ${refusal.replace(/\.$/, '')})`;
  const last = lastTry === undefined ? '' : ` Its last try: ${lastTry}`;
  return new DaebusError(
    ErrorCodes.TRANSPORT_ERROR,
    `Not connected to ${transport.description}${within}${why}; the ${what} was not sent.${last}`,
  );
}

/** A request, message or query refused as the caller could not connect: the error says it was not sent. */
export function unsent(err: unknown, what: Unsent): unknown {
  if (!(err instanceof DaebusError) || err.code !== ErrorCodes.TRANSPORT_ERROR || /not sent/.test(err.message)) return err;
  return new DaebusError(ErrorCodes.TRANSPORT_ERROR, `${err.message.replace(/\s+$/, '')} The ${what} was not sent.`, { cause: err });
}
