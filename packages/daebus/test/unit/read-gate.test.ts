// When the request stream's reader reads next: after a read that only handed requests back, a
// pause that grows to a bound; none after a read that started something; and a slot that freed
// while nobody waited ends the next wait at once (before, that wake was lost: a whole pause).
import { ReadGate } from '../../src/main/replicas/read-gate';

/** Whether `promise` has settled once the microtasks queued now have run. */
async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('ReadGate', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
  afterEach(() => jest.useRealTimers());

  it('pauses after a read that only handed back, 10 ms doubling to 100 ms', async () => {
    const gate = new ReadGate();
    const pauses: number[] = [];
    for (let i = 0; i < 6; i++) {
      gate.delivered();
      gate.handedBack();
      const after = gate.afterRead();
      let ms = 0;
      while (!(await settledNow(after))) {
        jest.advanceTimersByTime(5);
        ms += 5;
      }
      pauses.push(ms);
    }
    expect(pauses).toEqual([10, 20, 40, 80, 100, 100]);
  });

  it('reads on at once after a read that started something, and forgets the pause', async () => {
    const gate = new ReadGate();
    gate.delivered();
    gate.handedBack();
    const paused = gate.afterRead();
    expect(await settledNow(paused)).toBe(false);
    jest.advanceTimersByTime(10);
    await paused;
    gate.delivered();
    gate.delivered();
    gate.handedBack();
    expect(await settledNow(gate.afterRead())).toBe(true);
  });

  it('ends the next wait at once when a slot freed while nobody waited', async () => {
    const gate = new ReadGate();
    gate.wake(); // during a read
    gate.delivered();
    gate.handedBack();
    expect(await settledNow(gate.afterRead())).toBe(true);
    // used once: the next pause is waited out
    gate.delivered();
    gate.handedBack();
    expect(await settledNow(gate.afterRead())).toBe(false);
  });
});
