// A request left unanswered blames the service only once Redis itself is known to answer: a Redis
// paused or overloaded holds every request and reply, and a probe that read that as the service's
// fault (`daebus health || restart`) would restart healthy services over a Redis stall.
import type { RedisTransport } from '../main/transport/redis';
import { settlesWithin } from '../main/support/timers';
import { shownRedis } from './connection';
import { CliError, ExitCodes } from './exit-codes';
import type { GlobalOptions } from './options';

/** How long a command waits for Redis to answer a PING once a request went unanswered. */
export const REDIS_PING_MS = 1_000;

/**
 * Why `action` (every replica asked, when undefined) went unanswered when Redis does not answer a
 * PING within REDIS_PING_MS either (paused, overloaded, stalled); undefined when it answers.
 */
export async function silentRedis(transport: RedisTransport, globals: GlobalOptions, action?: string): Promise<string | undefined> {
  const pong = transport.cache().ping();
  pong.catch(() => undefined);
  if (await settlesWithin(pong, REDIS_PING_MS)) return undefined;
  const unanswered = action === undefined ? 'no replica answered' : `no answer to ${action}`;
  return (
    `Redis at ${shownRedis(globals)} does not answer (paused, overloaded or stalled): ` +
    `${unanswered} within ${globals.timeout} ms, and none to a PING within ${REDIS_PING_MS} ms.`
  );
}

/** {@link silentRedis} as the error a command exits with: 4, as for a Redis that cannot be reached. */
export async function silentRedisError(transport: RedisTransport, globals: GlobalOptions, action?: string): Promise<CliError | undefined> {
  const why = await silentRedis(transport, globals, action);
  return why === undefined ? undefined : new CliError(`${why} The service was not necessarily at fault.`, ExitCodes.UNREACHABLE);
}
