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
    // closed for good meanwhile (disconnect()): no wait out of the grace
    back = new Promise<void>((resolve, reject) => {
      // each removes the other: a listener left per outage would pile up over a long life
      const ready = (): void => {
        connection.off('end', ended);
        resolve();
      };
      const ended = (): void => {
        connection.off('ready', ready);
        reject(new Error('the connection to Redis is closed'));
      };
      connection.once('ready', ready).once('end', ended);
    }).finally(() => comingBack.delete(connection));
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

/** Per connection: how to fail each operation in flight on it, should it drop and not come back. */
const inFlight = new WeakMap<Redis, Set<(err: Error) => void>>();

/**
 * `op`, sent on `connection` while it was ready, failed when the connection drops before it
 * answers and is not ready again within `graceMs`. ioredis holds such a command to send it again
 * after the reconnect, which can be never (a slow retryStrategy): the caller would wait that long.
 * The command may have applied, or may apply when the connection comes back: the error says so.
 */
export function untilDropped<T>(connection: Redis, op: Promise<T>, graceMs = RECONNECT_GRACE_MS): Promise<T> {
  let fails = inFlight.get(connection);
  if (fails === undefined) {
    fails = new Set();
    inFlight.set(connection, fails);
    failOnDrop(connection, fails, graceMs);
  }
  const pending = fails;
  return new Promise<T>((resolve, reject) => {
    pending.add(reject);
    op.then(
      (value) => {
        pending.delete(reject);
        resolve(value);
      },
      (err: unknown) => {
        pending.delete(reject);
        reject(err as Error);
      },
    );
  });
}

/** One grace timer per drop of `connection`, cleared when it is ready again. */
function failOnDrop(connection: Redis, fails: Set<(err: Error) => void>, graceMs: number): void {
  let timer: NodeJS.Timeout | undefined;
  connection.on('close', () => {
    if (timer !== undefined || fails.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      const err = new Error(
        `the connection to Redis dropped while the operation was in flight and did not come back within ${graceMs / 1000} s ` +
          '(it may have applied, or may apply when the connection comes back)',
      );
      const failing = [...fails];
      fails.clear();
      for (const fail of failing) fail(err);
    }, graceMs);
  });
  // back, or closed for good (ioredis fails what it held then): the timer would only hold the process up to `graceMs` after a stop
  for (const settled of ['ready', 'end']) {
    connection.on(settled, () => {
      clearTimeout(timer);
      timer = undefined;
    });
  }
}
