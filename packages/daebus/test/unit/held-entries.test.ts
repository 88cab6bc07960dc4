// The request-stream entries a replica holds, renewed while they run, and what a stall does to them.
import type { Redis } from 'ioredis';
import { HeldEntries } from '../../src/main/replicas/held-entries';
import { captureLogger } from '../support/helpers';

const VISIBILITY_MS = 1_000;

function held(ours: (ids: readonly string[]) => Promise<Set<string>>): { entries: HeldEntries; claims: string[][]; warnings: string[] } {
  const claims: string[][] = [];
  const client = { xclaim: (...args: unknown[]) => Promise.resolve(claims.push(args.slice(4, -1) as string[])) } as unknown as Redis;
  const { logger, records } = captureLogger();
  const entries = new HeldEntries({
    client,
    stream: 's',
    id: 'me',
    options: { visibilityTimeoutMs: VISIBILITY_MS } as never,
    late: { ours },
    log: logger,
  });
  return {
    entries,
    claims,
    get warnings() {
      return records.filter((r) => r.level === 'warn').map((r) => r.message);
    },
  };
}

beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
afterEach(() => jest.useRealTimers());

describe('HeldEntries', () => {
  it('renews what it holds with a plain claim while renewals come in time, and says what it holds', async () => {
    const ours = jest.fn(() => Promise.resolve(new Set<string>()));
    const h = held(ours);
    h.entries.add('1-0');
    h.entries.add('2-0');
    jest.advanceTimersByTime(VISIBILITY_MS / 3);
    await h.entries.renew();
    expect(h.claims).toEqual([['1-0', '2-0']]);
    expect(h.entries.stillHeld('1-0')).toBe(true);
    expect(ours).not.toHaveBeenCalled();
  });

  it('after a stall, keeps only the entries Redis says are still its own, in one call for every asker, and says how many it lost', async () => {
    const ours = jest.fn(() => Promise.resolve(new Set(['1-0'])));
    const h = held(ours);
    h.entries.add('1-0');
    h.entries.add('2-0');
    jest.advanceTimersByTime(VISIBILITY_MS); // no renewal for longer than half the visibility timeout
    expect(h.entries.fresh()).toBe(false);
    const [first, second] = [h.entries.stillHeld('1-0'), h.entries.stillHeld('2-0')];
    await expect(first).resolves.toBe(true);
    await expect(second).resolves.toBe(false);
    expect(ours).toHaveBeenCalledTimes(1);
    expect(h.claims).toEqual([]); // no plain claim: it would take the lost one back from the replica running it
    expect(h.entries.fresh()).toBe(true);
    expect(h.warnings).toEqual([expect.stringMatching(/renewed its requests 1000 ms after the last time .*: 1 of them were taken over/)]);
  });

  it('counts an entry as held when Redis cannot be asked after a stall (at least once)', async () => {
    const h = held(() => Promise.reject(new Error('Connection is closed.')));
    h.entries.add('1-0');
    jest.advanceTimersByTime(VISIBILITY_MS);
    await expect(h.entries.stillHeld('1-0')).resolves.toBe(true);
    await expect(h.entries.renew()).rejects.toThrow('Connection is closed.');
  });
});
