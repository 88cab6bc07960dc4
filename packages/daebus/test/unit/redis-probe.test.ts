// The probe that tells a Redis that stalls from one that answers, with stand-in connections.
import type { Redis } from 'ioredis';
import { RedisProbe } from '../../src/main/transport/redis-probe';

/** A connection whose PINGs are answered only when told. */
function connection(): { redis: Redis; answer: () => void; pings: () => number; setStatus: (s: string) => void } {
  let status = 'ready';
  const waiting: Array<() => void> = [];
  let pings = 0;
  const redis = {
    get status() {
      return status;
    },
    ping: () => {
      pings += 1;
      return new Promise<string>((resolve) => waiting.push(() => resolve('PONG')));
    },
  } as unknown as Redis;
  return { redis, answer: () => waiting.splice(0).forEach((resolve) => resolve()), pings: () => pings, setStatus: (s) => (status = s) };
}

describe('RedisProbe', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reports a PING unanswered for 2 s on a ready connection as silence, and the answer as its end', async () => {
    const c = connection();
    const probe = new RedisProbe([c.redis]);
    const heard: Array<[number | undefined, number]> = [];
    probe.onSilence((silentForMs, forMs) => heard.push([silentForMs, forMs]));
    probe.start();
    await jest.advanceTimersByTimeAsync(1_000); // the PING goes out
    await jest.advanceTimersByTimeAsync(2_100);
    expect(probe.answering()).toBe(false);
    expect(heard).toEqual([[expect.any(Number), 0]]);
    c.answer();
    await jest.advanceTimersByTimeAsync(0);
    expect(probe.answering()).toBe(true);
    expect(heard[1]).toEqual([undefined, expect.any(Number)]);
    probe.stop();
  });

  it('says nothing when the connection dropped with its PING out (ioredis keeps it to send again): the drop is its own report', async () => {
    const c = connection();
    const probe = new RedisProbe([c.redis]);
    const heard: unknown[] = [];
    probe.onSilence((...args) => heard.push(args));
    probe.start();
    await jest.advanceTimersByTimeAsync(1_000); // the PING goes out, then the connection drops
    c.setStatus('reconnecting');
    await jest.advanceTimersByTimeAsync(4_000);
    expect(heard).toEqual([]);
    expect(probe.answering()).toBe(true);
    // back: a new PING goes out (the old one was let go), and its silence counts again
    c.setStatus('ready');
    const before = c.pings();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(c.pings()).toBe(before + 1);
    probe.stop();
  });
});
