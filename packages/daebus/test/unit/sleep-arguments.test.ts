// t.sleep and t.sleepSync refuse an ms that is not a number, each naming itself; t.sleep(0), or
// less, lets the thread's event loop turn once.
import { createFlags } from '../../src/shared/flags';
import { sleep, sleepSync } from '../../src/thread/running';

describe('sleep arguments', () => {
  it('t.sleepSync names itself when ms is not a number (before: it said t.sleep)', () => {
    const flags = createFlags();
    expect(() => sleepSync(flags, Number.NaN)).toThrow(/^t\.sleepSync\(ms\): ms must be a number of milliseconds \(got NaN\)/);
    expect(() => sleepSync(flags, '100' as unknown as number)).toThrow(/^t\.sleepSync\(ms\): ms must be a number/);
  });

  it('t.sleep rejects with its own name', async () => {
    await expect(sleep(createFlags(), Number.NaN)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/^t\.sleep\(ms\): ms must be a number/),
    });
  });

  it('takes a negative ms as 0: a loop sleeping until its next tick goes on when it runs late', async () => {
    expect(sleepSync(createFlags(), -5)).toBe(true);
    const order: string[] = [];
    setImmediate(() => order.push('event loop'));
    await expect(sleep(createFlags(), -50)).resolves.toBe(true);
    order.push('sleep(-50)');
    expect(order).toEqual(['event loop', 'sleep(-50)']);
  });

  it('t.sleep(0) resolves after a turn of the event loop: what waited for the loop ran first (before: a resolved promise)', async () => {
    const order: string[] = [];
    setImmediate(() => order.push('event loop'));
    await sleep(createFlags(), 0);
    order.push('sleep(0)');
    expect(order).toEqual(['event loop', 'sleep(0)']);
  });
});
