import type { DaebusCaller } from '../main/rpc/caller';
import type { RedisTransport } from '../main/transport/redis';
import { BuiltinActions } from '../shared/protocol/builtin-actions';
import { DaebusError, ErrorCodes } from '../shared/errors';
import { openCaller, shownRedis, type ServiceLink } from './connection';
import { CliError, ExitCodes } from './exit-codes';
import { readLiveReplicas } from './live-replicas';
import { silentRedisError } from './silent-redis';
import type { GlobalOptions } from './options';
import type { ReplicaInfo } from './queries';

/**
 * What a no-answer message ends with. Besides not running and a misspelt name: a service that is
 * stopping (it leaves its channel as its stop begins, and drains), and a service run without Redis,
 * on the in-memory transport (the default): no other process can reach it.
 */
const NO_SERVICE_HINT =
  'is it running, and is the name right? A service that is stopping no longer listens, while it finishes what it runs. ' +
  'A service run without REDIS_URL or a redis option uses the in-memory transport, which no other process can reach.';

/**
 * The message for a service that does not answer: most often not running, or a misspelt name.
 * `code` says how the ping failed: NO_SUBSCRIBER (nobody listens on the channel, known at once)
 * or TIMEOUT (no answer in time).
 */
export function noServiceError(globals: GlobalOptions, service: string, code?: string): CliError {
  const what =
    code === ErrorCodes.NO_SUBSCRIBER
      ? `listens on ${shownRedis(globals)}`
      : `answered ${BuiltinActions.ping} on ${shownRedis(globals)} within ${globals.timeout} ms`;
  return new CliError(`no service "${service}" ${what}; ${NO_SERVICE_HINT}`, ExitCodes.NO_ANSWER);
}

/**
 * The message for a service that listens on its channel but leaves the built-in actions
 * unanswered: a Python Daebus service drops an action it does not have, without a reply.
 */
export function notNodeServiceError(globals: GlobalOptions, service: string, action: string): CliError {
  return new CliError(
    `service "${service}" listens on ${shownRedis(globals)} but did not answer ${action} within ${globals.timeout} ms: ` +
      'it is not a daebus service for Node (a Python Daebus service has no daebus.* actions; `daebus call` works with it), ' +
      'it is too busy to answer, or Redis refuses its replies (a Redis user without the right to publish on caller:* channels: ' +
      'its log and its /readyz say so).',
    ExitCodes.NO_ANSWER,
  );
}

/**
 * The message for a ping left unanswered by a service that something listens for: a replicated
 * service whose live replicas are in Redis has a channel lease holder that is stalled or busy (a
 * request published meanwhile waits for the lease to lapse); anything else, as notNodeServiceError.
 */
export async function unansweredPingError({ caller }: ServiceLink, globals: GlobalOptions): Promise<CliError> {
  const live = await caller.replicas().catch(() => []);
  if (live.length === 0) return notNodeServiceError(globals, caller.service, BuiltinActions.ping);
  return new CliError(
    `service "${caller.service}" runs ${live.length} live replica(s), but none answered ${BuiltinActions.ping} within ${globals.timeout} ms: ` +
      `the one holding its channel's lease may be stalled or busy (another takes the lease three of its heartbeats after its last). ` +
      `\`daebus health ${caller.service}\` asks each replica on its own channel.`,
    ExitCodes.NO_ANSWER,
  );
}

/** How many connections subscribe to `channel` now (PUBSUB NUMSUB); 0 when Redis cannot say. */
export async function subscribersOf(transport: RedisTransport, channel: string): Promise<number> {
  try {
    const reply = (await transport.cache().pubsub('NUMSUB', channel)) as [string, number | string];
    return Number(reply[1]) || 0;
  } catch {
    return 0;
  }
}

/** A TIMEOUT or NO_SUBSCRIBER: nothing came back. */
export function isNoAnswer(err: unknown): err is DaebusError {
  return err instanceof DaebusError && (err.code === ErrorCodes.TIMEOUT || err.code === ErrorCodes.NO_SUBSCRIBER);
}

/**
 * Fail unless the service answers a ping: with {@link silentRedisError} when Redis answers no
 * PING either, with {@link notNodeServiceError} when something listens on its channel all the
 * same, else with {@link noServiceError}.
 */
export async function expectService(link: ServiceLink, globals: GlobalOptions): Promise<void> {
  const { caller, transport } = link;
  try {
    await caller.sendRequest(BuiltinActions.ping, {});
  } catch (err) {
    if (!isNoAnswer(err)) throw err;
    if (err.code === ErrorCodes.NO_SUBSCRIBER) throw noServiceError(globals, caller.service, err.code);
    // Redis itself silent (paused, overloaded) holds every reply: not the service's doing (exit 4, not 3)
    const silent = await silentRedisError(transport, globals, BuiltinActions.ping);
    if (silent !== undefined) throw silent;
    if ((await subscribersOf(transport, caller.service)) > 0) throw await unansweredPingError(link, globals);
    throw noServiceError(globals, caller.service, err.code);
  }
}

/**
 * Find the service: a replicated one by its replicas' presence in Redis, sending nothing through
 * its request stream (a busy one answers there only after the requests queued before); any other
 * by a ping, as {@link expectService}. Resolves with the live replicas, none when not replicated.
 */
export async function findService(link: ServiceLink, globals: GlobalOptions): Promise<ReplicaInfo[]> {
  const replicas = await readLiveReplicas(link, globals);
  if (replicas.length === 0) await expectService(link, globals);
  return replicas;
}

/** Connect, find the service ({@link findService}), run `use` with its live replicas, and close whatever happens. */
export async function withService<T>(
  globals: GlobalOptions,
  service: string,
  use: (caller: DaebusCaller, replicas: ReplicaInfo[], link: ServiceLink) => Promise<T>,
): Promise<T> {
  const link = await openCaller(globals, service);
  try {
    return await use(link.caller, await findService(link, globals), link);
  } finally {
    await link.caller.close();
  }
}

/**
 * Connect and run `use` with no ping first, for what any Daebus service answers (a Python one
 * has no daebus.ping); nobody on the service's channel fails as {@link noServiceError} does.
 */
export async function withAnyService<T>(globals: GlobalOptions, service: string, use: (caller: DaebusCaller) => Promise<T>): Promise<T> {
  const { caller } = await openCaller(globals, service);
  try {
    return await use(caller);
  } catch (err) {
    if (err instanceof DaebusError && err.code === ErrorCodes.NO_SUBSCRIBER) throw noServiceError(globals, service, err.code);
    throw err;
  } finally {
    await caller.close();
  }
}
