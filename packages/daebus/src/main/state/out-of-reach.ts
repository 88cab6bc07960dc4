import { DaebusError, ErrorCodes } from '../../shared/errors';

/** Why a service-wide structure is out of reach on `transport`, one with no Redis client (the memory transport, a wrapper). */
export function noRedisClient(transport: string): string {
  return (
    `service-wide, in Redis, but the service runs on ${transport}, which gives no Redis client: its calls fail with INVALID_STATE. ` +
    'Start the service on Redis (the redis option or REDIS_URL); a Transport of your own that wraps RedisTransport passes on its cache().'
  );
}

/** What a call on service-wide `what` (map "x") is refused with while the service is stopped, not started, or on `without`. */
export function outOfReach(what: string, stopped: boolean, without: string | undefined): DaebusError {
  const message = stopped
    ? `${what} is service-wide, and the service has stopped: it is reached again once the service starts.`
    : without !== undefined
      ? `${what}: ${noRedisClient(without)}`
      : `${what} is service-wide: it is reached once the service is started on Redis (the redis option or REDIS_URL).`;
  return new DaebusError(ErrorCodes.INVALID_STATE, message);
}
