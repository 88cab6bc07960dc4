import { InvalidArgumentError, type Command } from 'commander';
import type { RedisOptions } from 'ioredis';
import { CliError, ExitCodes } from './exit-codes';
import type { GlobalOptions } from './options';

/** ioredis's port for a sentinel given without one. */
const SENTINEL_PORT = 26379;

/**
 * commander's parser of `--sentinel host[:port]`: repeatable, and a comma-separated list is taken
 * too (as an environment or a deployment file gives them).
 */
export function collectSentinel(text: string, previous: string[] | undefined): string[] {
  const given = text.split(',').map((part) => part.trim());
  for (const address of given) {
    const form = /^[^\s:/[\]]+(:\d{1,5})?$/.test(address) || /^\[[0-9a-fA-F:.]+\](:\d{1,5})?$/.test(address);
    const { port } = sentinelAddress(address);
    if (!form || port < 1 || port > 65_535) {
      throw new InvalidArgumentError(`expected a sentinel's host:port (port ${SENTINEL_PORT} when left out), got "${text}".`);
    }
  }
  return [...(previous ?? []), ...given];
}

/** A `host[:port]` of {@link collectSentinel} as ioredis takes it. */
export function sentinelAddress(address: string): { host: string; port: number } {
  const match = /^\[?(.*?)\]?(?::(\d+))?$/.exec(address) as RegExpExecArray;
  return { host: match[1] as string, port: match[2] === undefined ? SENTINEL_PORT : Number(match[2]) };
}

/**
 * The options that find the primary through the sentinels of `--sentinel`: the primary's user,
 * password and database come from `--redis` (its host and port are not used: the sentinels give
 * them). Undefined when no `--sentinel` was given.
 */
export function sentinelOptions(globals: GlobalOptions, primary: RedisOptions): RedisOptions | undefined {
  const { sentinel, sentinelName, sentinelPassword } = globals;
  if (sentinel === undefined || sentinel.length === 0) {
    if (sentinelName !== undefined) throw new CliError('--sentinel-name goes with --sentinel: give the sentinels to ask.', ExitCodes.USAGE);
    return undefined;
  }
  if (sentinelName === undefined || sentinelName === '') {
    throw new CliError(
      '--sentinel needs --sentinel-name: the name the sentinels monitor the primary under (SENTINEL MASTERS lists them).',
      ExitCodes.USAGE,
    );
  }
  if (primary.tls !== undefined || primary.path !== undefined) {
    // the sentinels' TLS (sentinelTLS) is a setting of its own: not guessed from the primary's
    throw new CliError(
      '--sentinel takes no TLS (rediss://, --tls-*) and no socket: the command finds a primary through sentinels over plain TCP only. Point --redis at the primary instead.',
      ExitCodes.USAGE,
    );
  }
  const { username, password, db, connectTimeout } = primary;
  return {
    sentinels: sentinel.map(sentinelAddress),
    name: sentinelName,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(db !== undefined ? { db } : {}),
    ...(sentinelPassword !== undefined && sentinelPassword !== '' ? { sentinelPassword } : {}),
    connectTimeout,
  };
}

/** `--sentinel-password` given on the command line without `--sentinel` (it was ignored); from the environment, it may be. */
export function refuseLoneSentinelPassword(program: Command): void {
  const { sentinel } = program.opts<GlobalOptions>();
  if (program.getOptionValueSource('sentinelPassword') === 'cli' && (sentinel === undefined || sentinel.length === 0)) {
    throw new CliError('--sentinel-password goes with --sentinel: give the sentinels to ask.', ExitCodes.USAGE);
  }
}
