// t.sleep and t.sleepSync refuse an ms that is not a number, each naming itself.
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
});
