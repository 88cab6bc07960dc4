import { Bulkhead } from '../../src/main/rpc/bulkhead';

describe('Bulkhead', () => {
  it('runs up to its limit at once, queues up to maxQueued more, first in first out, and turns the rest away', () => {
    const bulkhead = new Bulkhead(2, 2);
    const started: number[] = [];
    const offer = (n: number): boolean => bulkhead.offer(() => started.push(n));
    expect([1, 2, 3, 4, 5].map(offer)).toEqual([true, true, true, true, false]);
    expect(started).toEqual([1, 2]);
    expect([bulkhead.running, bulkhead.queued]).toEqual([2, 2]);
    bulkhead.release();
    expect(started).toEqual([1, 2, 3]);
    bulkhead.release();
    bulkhead.release();
    expect(started).toEqual([1, 2, 3, 4]);
    expect([bulkhead.running, bulkhead.queued]).toEqual([1, 0]);
    bulkhead.release();
    expect([bulkhead.running, bulkhead.queued]).toEqual([0, 0]);
  });

  it('starts the waiting line in a loop when tasks finish at once: no deep stack, the limit still holds', () => {
    const bulkhead = new Bulkhead(1, 100_000);
    let release: () => void = () => undefined;
    bulkhead.offer(() => (release = () => bulkhead.release()));
    let ran = 0;
    let maxRunning = 0;
    for (let i = 0; i < 100_000; i++) {
      bulkhead.offer(() => {
        ran += 1;
        maxRunning = Math.max(maxRunning, bulkhead.running);
        bulkhead.release(); // finishes synchronously, from inside release()'s loop
      });
    }
    expect(ran).toBe(0);
    release();
    expect(ran).toBe(100_000);
    expect(maxRunning).toBe(1);
    expect([bulkhead.running, bulkhead.queued]).toEqual([0, 0]);
  });
});
