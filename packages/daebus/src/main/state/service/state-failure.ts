import { DaebusError, ErrorCodes, toPlainError } from '../../../shared/errors';
import { isRedisReply, refusalAdvice } from '../../transport/start-refusal';

/**
 * What a service-wide structure's operation rejects with when Redis failed it (down, a dropped
 * connection, a refused command): TRANSPORT_ERROR with Redis's message, the original as cause.
 * `where` names the structure: `queue "jobs"`. A DaebusError passes as it is.
 */
export function stateFailure(where: string, err: unknown): DaebusError {
  if (err instanceof DaebusError) return err;
  const text = toPlainError(err).message.replace(/\.$/, '');
  // a value that is not JSON: written there by something other than daebus
  if (err instanceof SyntaxError) {
    const fix = 'Written there by something other than daebus? Write JSON there, or delete it.';
    return new DaebusError(ErrorCodes.BAD_RESPONSE, `${where} (service-wide, in Redis) holds a value that is not JSON ${text}. ${fix}`, {
      cause: err,
    });
  }
  // refused by Redis (a permission, a full memory): waiting for the connection would not help
  const then = isRedisReply(err)
    ? ` Redis refused it.${refusalAdvice(text)}`
    : ' Check that Redis is up and reachable; the connection comes back on its own, and the call can be made again then.';
  return new DaebusError(ErrorCodes.TRANSPORT_ERROR, `${where} (service-wide, in Redis): ${text}.${then}`, { cause: err });
}

/**
 * A service-wide queue's taskDone() with no item unfinished: called once too often, or Redis lost
 * the count (a restart without persistence, an eviction) while items were out.
 */
export function overDone(name: string): DaebusError {
  return new DaebusError(
    ErrorCodes.INVALID_ARGUMENT,
    `queue "${name}": taskDone() called more times than items were put (or Redis lost the queue's count of unfinished items: a ` +
      'restart without persistence, or an eviction; see maxmemory-policy).',
  );
}
