import type { RedisOptions } from 'ioredis';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { checker, isFiniteNumber, MAX_TIMEOUT_MS } from '../../shared/validate';

/**
 * The ioredis options daebus itself leans on, checked when the transport is made. Passed through
 * unchecked, a negative or infinite `connectTimeout` ended the process from inside ioredis (an
 * uncaught RangeError of the socket's timer), one past Node's longest timer failed the start at
 * once saying the connection "was not made within" it, and a port out of range failed only at
 * connect, as if no server listened there.
 */
export function checkRedisOptions(config: RedisOptions | string): void {
  const check = checker('The redis option');
  if (typeof config === 'string') {
    if (config.trim() === '') check.fail('the URL', 'a Redis URL (redis://host:port), or left out', config);
    return;
  }
  const { connectTimeout, port, sentinels, name } = config;
  // ioredis refused these only at connect, with an error of its own that had no code
  if (sentinels !== undefined && sentinels !== null) {
    if (!Array.isArray(sentinels) || sentinels.length === 0) check.fail('sentinels', 'a non-empty list of { host, port }', sentinels);
    if (typeof name !== 'string' || name === '')
      check.fail('name', 'the name the sentinels monitor the primary under (with sentinels)', name);
  }
  if (connectTimeout !== undefined && !(isFiniteNumber(connectTimeout) && connectTimeout >= 0 && connectTimeout <= MAX_TIMEOUT_MS)) {
    check.fail('connectTimeout', `a number of milliseconds from 0 to ${MAX_TIMEOUT_MS} (0 or left out: 5000)`, connectTimeout);
  }
  if (port !== undefined) checkPort(check, 'port', port);
  for (const [i, sentinel] of (sentinels ?? []).entries()) {
    if (sentinel?.port !== undefined) checkPort(check, `sentinels[${i}].port`, sentinel.port);
  }
}

function checkPort(check: ReturnType<typeof checker>, what: string, port: unknown): void {
  // a port read from the environment is a string of digits, which ioredis (and net) take too
  const value = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (!(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 65_535)) {
    check.fail(what, 'a whole number from 0 to 65535', port);
  }
}

/**
 * A URL with a scheme must parse and name Redis: ioredis would throw Node's own URL error for a
 * bad one, and take any other scheme (`http://host:6379`) for a Unix socket path. A bare
 * `host:port` or a socket path goes to ioredis as it is; a `unix:` URL is read by RedisTransport.
 */
export function checkRedisUrl(url: string, from: string): void {
  if (url.startsWith('unix:') || url.startsWith('/')) return; // a socket's path
  // a password in the URL stays out of the message (it may reach a log)
  const shown = url.replace(/\/\/[^/@]*@/, '//***@');
  if (!url.includes('://')) {
    const bare = url.replace(/^[^@]*@/, '***@');
    // ioredis reads "host:port" (or a port) as redis://host:port; anything else threw its parser's bare "Invalid URL"
    // a slash: a scheme written without its colon (redis//host), which ioredis took for a socket path
    if (!URL.canParse(`redis://${url}`) || bare.includes('/'))
      throw new DaebusError(ErrorCodes.INVALID_OPTION, `${from} is not a Redis URL (got "${bare}"); use redis://host:port.`);
    checkEscapes(new URL(`redis://${url}`), from, bare);
    return;
  }
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `${from} is not a valid URL (got ${shown}); use redis://host:port, or rediss:// for TLS.`,
    );
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:' && protocol !== 'unix:') {
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `${from} must be a redis:// or rediss:// URL, or unix:// for a socket (got ${shown})` +
        (protocol.includes('sentinel') ? '; for Sentinel, give ioredis options: { sentinels: [{ host, port }], name }.' : '.'),
    );
  }
  if (protocol !== 'unix:') checkEscapes(new URL(url), from, shown);
  // ioredis would send SELECT NaN, and its refusal ended the process (an uncaught ReplyError)
  const db = protocol === 'unix:' ? '' : new URL(url).pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new DaebusError(
      ErrorCodes.INVALID_OPTION,
      `${from}: the database after the host must be a database number, 0 or more (got ${shown}).`,
    );
}

/** ioredis decodes the URL's user and password, and threw a bare URIError at a % that starts no %XX escape. */
function checkEscapes(parsed: URL, from: string, shown: string): void {
  for (const [part, text] of [
    ['user', parsed.username],
    ['password', parsed.password],
  ] as const) {
    try {
      decodeURIComponent(text);
    } catch {
      throw new DaebusError(
        ErrorCodes.INVALID_OPTION,
        `${from}: the ${part} has a % that starts no %XX escape, or escapes that make no UTF-8 text (got ${shown}); write a literal % as %25.`,
      );
    }
  }
}
