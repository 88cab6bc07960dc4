// The live replicas of a service, read from their presence in Redis. Not asked of the service
// (daebus.replicas): a replicated service takes requests from its stream in order, so a busy one
// would answer only after the requests queued there, and each replica is asked on its own
// channel anyway.
import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';
import { shownRedis, type ServiceLink } from './connection';
import type { GlobalOptions } from './options';
import type { ReplicaInfo } from './queries';

/**
 * The live replicas of the link's service, oldest first; none when it does not run replicated.
 * Fails with TIMEOUT when Redis does not answer within --timeout (paused, overloaded), and with
 * TRANSPORT_ERROR when this command's connection to it is down.
 */
export async function readLiveReplicas({ caller }: ServiceLink, globals: GlobalOptions): Promise<ReplicaInfo[]> {
  const read = caller.replicas();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DaebusError(
            ErrorCodes.TIMEOUT,
            `Redis at ${shownRedis(globals)} did not list the replicas of "${caller.service}" within ${globals.timeout} ms.`,
          ),
        ),
      globals.timeout,
    );
  });
  try {
    return await Promise.race([read, late]);
  } catch (err) {
    if (err instanceof DaebusError) throw err;
    // ioredis's own error (no connection, and no queue to wait in): this command's link is down
    throw new DaebusError(
      ErrorCodes.TRANSPORT_ERROR,
      `cannot read the replicas of "${caller.service}" from Redis at ${shownRedis(globals)}: ${toPlainError(err).message}`,
    );
  } finally {
    clearTimeout(timer);
    read.catch(() => undefined);
  }
}

/**
 * Redis's clock now (ms), to count a replica's uptime and "last seen" against: both are said in
 * Redis's clock, and this machine's may differ. This machine's clock when Redis does not say
 * within a second (it just listed the replicas, so it should).
 */
export async function redisNow({ transport }: ServiceLink): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const local = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 1_000)));
  try {
    const time = await Promise.race([transport.cache().time(), local]);
    return time === undefined ? Date.now() : Number(time[0]) * 1000 + Math.round(Number(time[1]) / 1000);
  } catch {
    return Date.now();
  } finally {
    clearTimeout(timer);
  }
}
