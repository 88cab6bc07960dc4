// RunningTable (main/pool/running-table.ts): which pool worker runs which call, read when a call
// is aborted. Workers write it (thread/pool-slot.ts); here their writes are made by hand.
import { RunningTable } from '../../src/main/pool/running-table';
import { claimRunningSlot } from '../../src/shared/protocol/pool';

/** What a worker does when it loads: claim a free slot (the index of its call field, -1 for none). */
const claim = (table: RunningTable, threadId: number): number => claimRunningSlot(table.shared, threadId);

describe('RunningTable', () => {
  it('finds the worker running a call, and none for a call no worker runs', () => {
    const table = new RunningTable(4);
    const a = claim(table, 11);
    const b = claim(table, 12);
    Atomics.store(table.shared, a, 7);
    Atomics.store(table.shared, b, 8);
    expect(table.workerRunning(7)).toBe(11);
    expect(table.workerRunning(8)).toBe(12);
    expect(table.workerRunning(9)).toBeUndefined();
    // the worker finished the call
    Atomics.store(table.shared, a, 0);
    expect(table.workerRunning(7)).toBeUndefined();
  });

  it('finds the worker that answered a call last, until it exits', () => {
    const table = new RunningTable(2);
    const a = claim(table, 31);
    // what markAnswered does: the answered call noted, the running one cleared
    Atomics.store(table.shared, a, 4);
    Atomics.store(table.shared, a + 1, 4);
    Atomics.store(table.shared, a, 0);
    expect(table.workerRunning(4)).toBeUndefined();
    expect(table.workerAnswered(4)).toBe(31);
    expect(table.workerAnswered(5)).toBeUndefined();
    table.release(31);
    expect(table.workerAnswered(4)).toBeUndefined();
    expect(Array.from(table.shared)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("frees an exited worker's slot, call and all, for the next worker", () => {
    const table = new RunningTable(2);
    const a = claim(table, 21);
    claim(table, 22);
    Atomics.store(table.shared, a, 5);
    expect(claim(table, 23)).toBe(-1);
    table.release(21);
    // the worker that ended while running call 5 no longer answers for it
    expect(table.workerRunning(5)).toBeUndefined();
    const c = claim(table, 23);
    expect(c).toBe(a);
    Atomics.store(table.shared, c, 6);
    expect(table.workerRunning(6)).toBe(23);
    table.clear();
    expect(table.workerRunning(6)).toBeUndefined();
    expect(Array.from(table.shared)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });
});
