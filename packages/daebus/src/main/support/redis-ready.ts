import type { Redis } from 'ioredis';

/**
 * How long a service-wide state operation waits for a dropped Redis connection to come back
 * before it fails with TRANSPORT_ERROR. Long enough to ride out a reconnect after a blip or a
 * quick restart; short enough that a handler learns of an outage at once instead of after
 * ioredis's twenty reconnect tries (about 10 s by default, or forever with a slow retryStrategy).
 */
export const RECONNECT_GRACE_MS = 2_000;

/** One wait for 'ready' per connection and outage, however many operations wait on it. */
const comingBack = new WeakMap<Redis, Promise<void>>();

/**
 * Nothing to wait for when `connection` is ready (one comparison: beside the Redis round trip
 * that follows, awaiting undefined costs nothing worth saving); otherwise a promise that resolves
 * when it is ready again within `graceMs`, and rejects when it is not, or was closed for good. The command is then never sent: an operation the caller was
 * told failed cannot apply later, when ioredis would have replayed its offline queue.
 */
export function whenReady(connection: Redis, graceMs = RECONNECT_GRACE_MS): Promise<void> | undefined {
  if (connection.status === 'ready') return undefined;
  if (connection.status === 'end') return Promise.reject(new Error('the connection to Redis is closed'));
  let back = comingBack.get(connection);
  if (!back) {
    back = new Promise<void>((resolve) => connection.once('ready', resolve)).finally(() => comingBack.delete(connection));
    comingBack.set(connection, back);
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the connection to Redis is down and did not come back within ${graceMs / 1000} s`)),
      graceMs,
    );
  });
  return Promise.race([back, late]).finally(() => clearTimeout(timer));
}
