// The waits for a dropped Redis connection: none of their timers outlives a connection closed for
// good (before, a stop during an outage left a 2 s timer holding the process after it).
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { untilDropped, whenReady } from '../../src/main/support/redis-ready';

/** A connection as the waits see it: its status and its events. */
function connection(status: string): Redis & EventEmitter {
  return Object.assign(new EventEmitter(), { status }) as unknown as Redis & EventEmitter;
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('waits for a dropped connection', () => {
  it('leave no timer once the connection is closed for good, and a wait for it to come back ends then', async () => {
    const dropped = connection('ready');
    void untilDropped(dropped, new Promise(() => undefined)).catch(() => undefined);
    dropped.emit('close');
    expect(jest.getTimerCount()).toBe(1); // the grace of the operation in flight
    (dropped as unknown as { status: string }).status = 'reconnecting';
    const back = whenReady(dropped);
    const outcome = back?.then(
      () => 'ready',
      (err: Error) => err.message,
    );
    dropped.emit('end');
    await expect(outcome).resolves.toBe('the connection to Redis is closed');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('fail an operation in flight after the grace while the connection is not back', async () => {
    const dropped = connection('ready');
    const op = untilDropped(dropped, new Promise(() => undefined), 2_000);
    dropped.emit('close');
    jest.advanceTimersByTime(2_000);
    await expect(op).rejects.toThrow(/dropped while the operation was in flight and did not come back within 2 s/);
  });
});

describe('a wait for a connection to come back', () => {
  it('leaves no listener behind once it is back, however many outages come', async () => {
    const flaky = connection('reconnecting');
    for (let outage = 0; outage < 20; outage++) {
      const back = whenReady(flaky);
      flaky.emit('ready');
      await back;
    }
    expect([flaky.listenerCount('ready'), flaky.listenerCount('end')]).toEqual([0, 0]);
  });
});
