import type { Redis, RedisOptions } from 'ioredis';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { settlesWithin } from '../support/timers';

/** How long `connect()` waits for Redis to be ready when the options set no connectTimeout. */
export const CONNECT_TIMEOUT_MS = 5_000;

/** After QUIT the server closes at once: this is only for a socket that will not close. */
export const DISCONNECT_TIMEOUT_MS = 100;

/**
 * The options every connection of the transport gets, under the user's own (which win). Through
 * Sentinel, ioredis's failover detector: without it, a `SENTINEL FAILOVER` left the connections on
 * the demoted primary until Sentinel made it a replica (about 10 s), and what they wrote there was
 * lost when it resynchronised.
 */
export function connectionDefaults(config: RedisOptions | string): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // publishes wait through a short outage instead of failing at once
    maxRetriesPerRequest: 20,
    // how long ioredis lets a socket it ends close by itself before destroying it: one whose
    // connect failed (a server that never answered) would otherwise hold the process for 2 s
    disconnectTimeout: DISCONNECT_TIMEOUT_MS,
    ...(typeof config === 'object' && (config.sentinels?.length ?? 0) > 0 ? { failoverDetector: true } : {}),
  };
}

/**
 * ioredis's failover detector (through Sentinel) connects to each sentinel with no 'error'
 * listener: a sentinel that was down printed "[ioredis] Unhandled error event" for each connection
 * as it connected, and again at each try, once a minute. The detector's connections are made as
 * the connection's socket connects, just before its own 'connect' event: each gets one there.
 */
export function quietFailoverDetector(connection: Redis): void {
  if (connection.options.failoverDetector !== true) return;
  connection.on('connect', () => {
    type Detector = { sentinels?: { client?: Redis }[] };
    const detector = (connection as unknown as { connector?: { failoverDetector?: Detector } }).connector?.failoverDetector;
    for (const { client } of detector?.sentinels ?? []) {
      // the detector tries again by itself (sentinelReconnectStrategy); its failures are no one's to handle
      if (client !== undefined && client.listenerCount('error') === 0) client.on('error', () => undefined);
    }
  });
}

/** ioredis's own defaults: 50 ms more per try, at most 2 s; for the sentinels, 10 ms more, at most 1 s. */
const defaultRetry = (times: number): number => Math.min(times * 50, 2_000);
const defaultSentinelRetry = (times: number): number => Math.min(times * 10, 1_000);

/**
 * ioredis's retry strategies for one connection: no retry until the transport's first connect
 * succeeded (it reports that failure itself, and a retry would hold the process), the user's (or
 * ioredis's) strategies afterwards. Through Sentinel too: sentinels that did not answer were
 * asked again until the connect timeout ran out, and their timer held the process 2 s more.
 */
export function retriesAfterFirstConnect(
  config: RedisOptions | string,
  connected: () => boolean,
): Pick<RedisOptions, 'retryStrategy' | 'sentinelRetryStrategy'> {
  const own = typeof config === 'object' ? config : {};
  const retryStrategy = own.retryStrategy ?? defaultRetry;
  const sentinelRetryStrategy = own.sentinelRetryStrategy ?? defaultSentinelRetry;
  return {
    retryStrategy: (times) => (connected() ? retryStrategy(times) : null),
    sentinelRetryStrategy: (times) => (connected() ? sentinelRetryStrategy(times) : null),
  };
}

/** The time `connect()` may take: the connect timeout of the options, for the whole way to ready. */
export function readyTimeoutMs(connection: Redis): number {
  const ms = connection.options.connectTimeout;
  return typeof ms === 'number' && ms > 0 ? ms : CONNECT_TIMEOUT_MS;
}

/**
 * Every connection ready within `ms`. ioredis's connectTimeout covers the TCP (or TLS) connect
 * only: a server that accepts the connection and never answers would leave the ready check
 * waiting forever. Rejects with TRANSPORT_ERROR naming the address and what was missing.
 */
export async function readyWithin(
  connections: readonly Redis[],
  ms: number,
  description: string,
  lastError: () => Error | undefined = () => undefined,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(notReady(connections, ms, description, lastError())), ms);
  });
  try {
    await Promise.race([Promise.all(connections.map((connection) => readyIn(connection, description))), late]);
  } finally {
    clearTimeout(timer);
  }
}

function notReady(connections: readonly Redis[], ms: number, description: string, last: Error | undefined): DaebusError {
  // 'connect': the socket is open, Redis has not answered the ready check (or AUTH, SELECT)
  const accepted = connections.some((connection) => connection.status === 'connect');
  const tls = description.startsWith('rediss:');
  // ioredis's own reason, when it gave one ("All sentinels are unreachable", "No such master ...")
  const why = last === undefined ? '' : ` (its last error: ${last.message.replace(/\.$/, '')})`;
  const reason = accepted
    ? `it accepted the connection but did not answer within ${ms} ms${why}`
    : `the connection was not made within ${ms} ms${tls ? ' (no TLS handshake)' : ''}${why}`;
  const hint = tls
    ? 'Check that a Redis server with TLS listens there (or use redis:// for one without), or raise connectTimeout.'
    : 'Check that a Redis server listens there and is not overloaded (rediss:// for one with TLS), or raise connectTimeout.';
  return new DaebusError(ErrorCodes.TRANSPORT_ERROR, `Could not connect to Redis at ${description}: ${reason}. ${hint}`, {
    cause: new Error(reason),
  });
}

/** Connect, unless this connection is ready already; then make sure it uses the database asked for. */
async function readyIn(connection: Redis, description: string): Promise<void> {
  const refused = refusals.get(connection);
  if (refused !== undefined) throw refused; // for good: a later try (a caller's next request) says so too
  // one a failed try dropped may still be closing: ioredis would refuse it "already connecting"
  if (connection.status !== 'ready' && connection.status !== 'wait' && connection.status !== 'end') await readyOrEnded(connection);
  if (connection.status !== 'ready') await connection.connect();
  await refuseCluster(connection, description);
  await checkDatabase(connection, description);
}

/**
 * Redis Cluster is not supported: a service's keys share one hash slot (the `{service}` tag), but
 * this client follows no MOVED redirection, and a PUBLISH reaches the subscribers of its node
 * only. Pointed at a cluster node, a service started or failed with MOVED by where its slot lay,
 * and broke when the slot moved: it is refused at connect instead. Once per connection.
 */
async function refuseCluster(connection: Redis, description: string): Promise<void> {
  if (clusterChecked.has(connection)) return;
  let info: string;
  try {
    info = String(await connection.info('cluster'));
  } catch (err) {
    if ((err as Error | undefined)?.name === 'ReplyError') return; // INFO refused (an ACL, a proxy): not told, not refused
    throw err;
  }
  clusterChecked.add(connection);
  if (!/^cluster_enabled:1\b/m.test(info)) return;
  const refusal = new DaebusError(
    ErrorCodes.INVALID_OPTION,
    `Redis at ${description} runs in cluster mode, which daebus does not support (it follows no MOVED redirection, and a ` +
      "publish reaches one node's subscribers only). Use a standalone Redis server, with Sentinel for failover (see the " +
      "package's docs/operations.md).",
  );
  refusals.set(connection, refusal);
  throw refusal;
}

/** The connections found not to be cluster nodes. */
const clusterChecked = new WeakSet<Redis>();

/** Resolves once `connection` is ready, or has ended for good (closed, with no retry left). */
function readyOrEnded(connection: Redis): Promise<void> {
  return new Promise((resolve) => {
    const settle = (): void => {
      connection.off('ready', settle).off('end', settle);
      resolve();
    };
    connection.on('ready', settle).on('end', settle);
  });
}

/**
 * ioredis sends the SELECT of the options' database as it connects, but a refusal (no such
 * database, or a cluster) only reaches its 'error' event, and the connection goes on in database
 * 0: the service would read and write another database's keys without a word. Asked again here,
 * the refusal stops the start.
 */
async function checkDatabase(connection: Redis, description: string): Promise<void> {
  const db = connection.options.db;
  if (db === undefined || db === 0) return;
  try {
    await connection.select(db);
  } catch (err) {
    // the server's refusal only (a connection lost meanwhile is the transport's failure)
    if ((err as Error | undefined)?.name !== 'ReplyError') throw err;
    const refusal = new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `Redis at ${description} refused database ${db} ("${(err as Error).message}"). Name a database the server has (0 to one ` +
        `less than its "databases" setting, 16 unless configured), or none for database 0.`,
      { cause: err },
    );
    refusals.set(connection, refusal);
    throw refusal;
  }
}

/** The database refusal of each connection, once seen. */
const refusals = new WeakMap<Redis, DaebusError>();

/**
 * End a connection at once and for good, ready or not. ioredis's disconnect ends the socket and
 * keeps a timer for up to 2 s until the server closes it, which one that never answers may not
 * do: the socket is destroyed instead, so nothing is left to hold the process.
 */
export function drop(connection: Redis): void {
  if (connection.status === 'end') return;
  const stream = connection.stream as (Redis['stream'] & { destroyed?: boolean }) | undefined;
  connection.disconnect();
  if (stream !== undefined && !stream.destroyed) stream.destroy();
}

/** Ready, and its socket still takes writes (a dropped one can read ready until its close is seen). */
export function usable(connection: Redis): boolean {
  return connection.status === 'ready' && (connection as unknown as { stream?: { writable?: boolean } }).stream?.writable !== false;
}

/** QUIT when the server is there; otherwise drop the connection at once instead of retrying. */
export async function quit(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  if (connection.status !== 'ready') return drop(connection);
  const ended = new Promise((resolve) => connection.once('end', resolve));
  await settlesWithin(connection.quit(), 1_000);
  // the server closes the socket after its OK: waited for (briefly), so that a stop or a close
  // resolves with the socket gone, not a few milliseconds before
  if ((connection.status as string) !== 'end') await settlesWithin(ended, DISCONNECT_TIMEOUT_MS);
  // not on one ended (ioredis would keep a 100 ms timer for a socket gone already), unless
  // Sentinel's failover detector has connections of its own: only this closes them
  if ((connection.status as string) !== 'end' || connection.options.failoverDetector === true) connection.disconnect();
}
