import type { RedisOptions } from 'ioredis';
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
