import type { RedisOptions } from 'ioredis';
import { DaebusCaller } from '../main/rpc/caller';
import { RedisTransport } from '../main/transport/redis';
import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';
import { CliError, ExitCodes } from './exit-codes';
import type { GlobalOptions } from './options';
import { probeTcp } from './probe';
import { tlsOptions } from './tls-options';
import { sentinelAddress, sentinelOptions } from './sentinel-options';
import { describeConnection } from '../main/transport/redis-description';
import { shownFailure } from '../main/transport/connect-hint';
import { unixSocketOptions } from '../main/transport/unix-url';

/**
 * `url` in the URL form: a service reads REDIS_URL through ioredis, which also takes a bare
 * `host:port`, `host` or port, so the command takes them too. A socket path stays as it is.
 */
function asUrl(url: string): string {
  if (url.includes('://') || url.startsWith('/') || url.startsWith('unix:')) return url;
  return /^\d+$/.test(url) ? `redis://127.0.0.1:${url}` : `redis://${url}`;
}

/**
 * ioredis options for `url`, so that the connect timeout can be set (a URL string gets the
 * transport's own five seconds) and retries stop after the first failure.
 */
export function redisOptions(url: string, connectTimeoutMs: number): RedisOptions {
  if (url.startsWith('/')) return { path: url, connectTimeout: connectTimeoutMs };
  if (url.startsWith('unix:')) return { ...socketOptions(url), connectTimeout: connectTimeoutMs };
  let parsed: URL;
  try {
    parsed = new URL(asUrl(url));
  } catch {
    throw new CliError(
      `"${shownUrl(url)}" is not a Redis URL; expected redis://[[user]:password@]host[:port][/db], rediss://..., host:port or a socket path.`,
      ExitCodes.USAGE,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new CliError(`"${shownUrl(url)}" is not a Redis URL: it must start with redis:// or rediss://.`, ExitCodes.USAGE);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new CliError(`"${shownUrl(url)}": the database after the host must be a database number, 0 or more.`, ExitCodes.USAGE);
  const decoded = (part: 'user' | 'password', text: string): string => {
    try {
      return decodeURIComponent(text);
    } catch {
      throw new CliError(`"${shownUrl(url)}": the ${part} has a % that starts no %XX escape; write a literal % as %25.`, ExitCodes.USAGE);
    }
  };
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.username ? { username: decoded('user', parsed.username) } : {}),
    ...(parsed.password ? { password: decoded('password', parsed.password) } : {}),
    ...(db !== '' ? { db: Number(db) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    connectTimeout: connectTimeoutMs,
  };
}

/** A `unix:` URL's options (a socket with a password or a database), or a usage error. */
function socketOptions(url: string): RedisOptions {
  try {
    return unixSocketOptions(url);
  } catch (err) {
    throw new CliError(toPlainError(err).message, ExitCodes.USAGE);
  }
}

/** Where the command connects, as it may be shown: the URL without its password, or the primary and its sentinels. */
export function shownRedis(globals: GlobalOptions): string {
  const { sentinel, sentinelName } = globals;
  if (sentinel === undefined || sentinel.length === 0) return shownUrl(globals.redis);
  return describeConnection({ sentinels: sentinel.map(sentinelAddress), name: sentinelName });
}

/** The URL as it may be shown: in the URL form, without its password. */
export function shownUrl(url: string): string {
  try {
    const parsed = new URL(asUrl(url));
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return asUrl(url)
      .replace(/\/\/[^/@]*@/, '//***@')
      .replace(/([?&]password=)[^&]*/, '$1***');
  }
}

/**
 * A connected transport, or exit status 4 with the reason. `strict`: a publish while the
 * connection is down fails at once instead of waiting in a queue (what a caller needs).
 */
export async function openTransport(globals: GlobalOptions, strict = false): Promise<RedisTransport> {
  const direct = { ...redisOptions(globals.redis, globals.connectTimeout), ...tlsOptions(globals) };
  const viaSentinel = sentinelOptions(globals, direct);
  const options = viaSentinel ?? direct;
  const unreachable = (err: unknown): CliError => {
    // reached, and refused as the service would be (a Redis Cluster node, a database it lacks): said as it is
    if (err instanceof DaebusError && err.code === ErrorCodes.INVALID_OPTION) return new CliError(err.message, ExitCodes.UNREACHABLE);
    const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
    const reason = shownFailure(toPlainError(cause).message.replace(/\.$/, ''));
    const check = !reason.startsWith('no sentinel gave')
      ? ''
      : /No such master/.test(reason)
        ? ' (check --sentinel-name: SENTINEL MASTERS lists the names)'
        : /NOAUTH|WRONGPASS/.test(reason)
          ? " (check --sentinel-password: the sentinels' own password)"
          : '';
    return new CliError(`cannot reach Redis at ${shownRedis(globals)}: ${reason}${check}`, ExitCodes.UNREACHABLE);
  };
  try {
    // the server, or any one of the sentinels (ioredis asks them in turn); none: the first one's failure
    if (viaSentinel !== undefined) {
      const probes = (viaSentinel.sentinels ?? []).map((s) => probeTcp(s.host as string, s.port as number, globals.connectTimeout));
      await Promise.any(probes).catch((none: AggregateError) =>
        Promise.reject(new Error(`no sentinel answers: ${toPlainError(none.errors[0]).message}`)),
      );
    } else if (options.path === undefined) await probeTcp(options.host ?? '127.0.0.1', options.port ?? 6379, globals.connectTimeout);
  } catch (err) {
    throw unreachable(err);
  }
  const transport = new RedisTransport(options, { queueWhileDisconnected: !strict });
  try {
    await transport.connect();
  } catch (err) {
    // something listens there but the connection failed all the same: TLS, AUTH, not Redis
    await transport.close();
    throw unreachable(err);
  }
  const primary = await primaryOf(transport);
  if (primary !== undefined) {
    // said, not refused: what reads keys works on a replica; requests published there reach no service
    process.stderr.write(
      `daebus: Redis at ${shownRedis(globals)} is a read-only replica of ${primary}: services listen on their primary, ` +
        'so nothing sent here reaches them. Point --redis at the primary.\n',
    );
  }
  return transport;
}

/** `host:port` of the primary when the server is a replica (ROLE), else undefined (ROLE refused too). */
async function primaryOf(transport: RedisTransport): Promise<string | undefined> {
  try {
    const role = (await transport.cache().call('ROLE')) as unknown[];
    return role[0] === 'slave' ? `${String(role[1])}:${String(role[2])}` : undefined;
  } catch {
    return undefined;
  }
}

/** A caller of `service`, and the transport it uses; close the caller when done (it closes the transport). */
export interface ServiceLink {
  caller: DaebusCaller;
  transport: RedisTransport;
}

/** A caller of `service` on a connected transport. */
export async function openCaller(globals: GlobalOptions, service: string): Promise<ServiceLink> {
  // any other name is one a service may have (Python Daebus and daebus take spaces too)
  if (service === '') throw new CliError('The service name is empty; give the name the service runs under.', ExitCodes.USAGE);
  const transport = await openTransport(globals, true);
  try {
    return { caller: new DaebusCaller(service, { transport, timeoutMs: globals.timeout }), transport };
  } catch (err) {
    // an open connection would keep the command running after it reported the error
    await transport.close();
    throw err;
  }
}
