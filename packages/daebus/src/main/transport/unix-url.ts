import type { RedisOptions } from 'ioredis';
import { DaebusError, ErrorCodes } from '../../shared/errors';

/** What a `unix:` URL may say besides its path, as redis-py's URLs say it. */
const QUERY_KEYS = ['db', 'password', 'username'];

/**
 * ioredis options for a Unix socket URL, `unix:///run/redis.sock?db=2&password=secret` (the form
 * redis-py reads too; `username` for an ACL user): ioredis takes a socket as a bare path only,
 * which has no room for a password or a database. INVALID_OPTION, the password masked, otherwise.
 */
export function unixSocketOptions(url: string): RedisOptions {
  const shown = url.replace(/([?&]password=)[^&]*/, '$1***').replace(/\/\/[^/@]*@/, '//***@');
  const refuse = (why: string): never => {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `"${shown}" ${why}; expected unix:///path/to/redis.sock, optionally with ?db=N&username=u&password=p.`,
    );
  };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('is not a valid URL (a user or password goes in the query, not before the path)');
  }
  if (parsed.host !== '') refuse(`names a host ("${parsed.host}"): a socket URL has three slashes before its path`);
  const path = decodeURIComponent(parsed.pathname);
  if (path === '' || path === '/') refuse('names no socket path');
  for (const key of parsed.searchParams.keys()) if (!QUERY_KEYS.includes(key)) refuse(`has "${key}" in its query, which it does not take`);
  const db = parsed.searchParams.get('db');
  if (db !== null && !/^\d+$/.test(db)) refuse('has a db that is not a number');
  const username = parsed.searchParams.get('username');
  const password = parsed.searchParams.get('password');
  return {
    path,
    ...(db !== null ? { db: Number(db) } : {}),
    ...(username !== null ? { username } : {}),
    ...(password !== null ? { password } : {}),
  };
}
