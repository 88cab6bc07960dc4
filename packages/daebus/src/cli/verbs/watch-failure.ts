import { BuiltinActions } from '../../shared/protocol/builtin-actions';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import { shownRedis, type ServiceLink } from '../connection';
import type { GlobalOptions } from '../options';
import { notNodeServiceError, subscribersOf } from '../service';
import { unheardReplica } from '../replica-targets';
import { silentRedis } from '../silent-redis';
import type { ReplicaInfo } from '../queries';

/** Whom a look asked: the service, or one of its replicas; and whether it answered before. */
export interface Asked {
  replica?: Pick<ReplicaInfo, 'id' | 'actions'>;
  answeredBefore: boolean;
  /** A look in the last seconds found Redis unreachable: the service may still be subscribing again. */
  redisLately?: boolean;
}

/** Whether a failure's words blame Redis, or this command's connection to it (not the service). */
export function blamesRedis(error: string): boolean {
  return /^(cannot reach Redis|Redis at) /.test(error);
}

/**
 * Why a look got no answer, in words that blame the right party: this command's own connection
 * to Redis, Redis itself (paused, overloaded), a replica that is gone, or the service.
 */
export async function describeFailure(
  err: unknown,
  { caller, transport }: ServiceLink,
  globals: GlobalOptions,
  asked: Asked,
): Promise<string> {
  const url = shownRedis(globals);
  if (err instanceof DaebusError && err.code === ErrorCodes.TRANSPORT_ERROR) {
    return `cannot reach Redis at ${url}: this command's connection to it is down (it reconnects); the service was not asked.`;
  }
  if (!(err instanceof DaebusError) || (err.code !== ErrorCodes.TIMEOUT && err.code !== ErrorCodes.NO_SUBSCRIBER)) {
    return toPlainError(err).message;
  }
  // it answered before, and nothing listens now: it stopped (a clean stop leaves no replica listed)
  const gone = `service "${caller.service}" has stopped or died: nothing listens on its channel any more`;
  if (err.code === ErrorCodes.NO_SUBSCRIBER && asked.replica === undefined && asked.answeredBefore) {
    // Redis came back moments ago: this command may have reconnected before the service did
    if (asked.redisLately)
      return `nothing listens on the channel of service "${caller.service}" yet: Redis was unreachable moments ago, and the service may still be reconnecting.`;
    return `${gone}.`;
  }
  if (err.code === ErrorCodes.NO_SUBSCRIBER && asked.replica !== undefined) {
    // a dead replica stays listed until its presence expires (three heartbeats)
    return unheardReplica(asked.replica, asked.answeredBefore);
  }
  if (err.code === ErrorCodes.TIMEOUT) {
    // a PING that does not come back: Redis itself is stalled (CLIENT PAUSE, overload), not the service
    const silent = await silentRedis(transport, globals, BuiltinActions.threads);
    if (silent !== undefined) return silent;
    const whom = asked.replica === undefined ? `service "${caller.service}"` : `replica ${asked.replica.id}`;
    // a replica that died while this look waited for it (its request was taken, never answered):
    // nothing listens on its own channel any more, so it is gone, not busy
    if (asked.answeredBefore && asked.replica !== undefined && (await subscribersOf(transport, caller.service)) === 0) {
      return unheardReplica(asked.replica, true);
    }
    // a replicated service's request waits in its stream, so no NO_SUBSCRIBER tells it is gone
    if (asked.answeredBefore && asked.replica === undefined && (await subscribersOf(transport, caller.service)) === 0) {
      return `${gone} and no replica is live.`;
    }
    // it answered before: a daebus service for Node that is busy or stalled now
    if (asked.answeredBefore) return `${whom} did not answer within ${globals.timeout} ms (it is busy or stalled).`;
    // something listens and leaves daebus.* unanswered (a Python Daebus service): say that, not just a timeout
    if (asked.replica === undefined && (await subscribersOf(transport, caller.service)) > 0) {
      return notNodeServiceError(globals, caller.service, BuiltinActions.threads).message;
    }
  }
  return err.message;
}
