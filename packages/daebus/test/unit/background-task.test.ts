// A background task's schedule, on jest's fake clock (whose monotonic clock starts at 0, as a
// machine's does at boot): `immediately` runs at once however long the interval. Before, the
// schedule took "long ago" as 0 on the monotonic clock, so on a machine up for less than the
// interval the immediate run waited the interval.
import { BackgroundTask } from '../../src/main/app/background';
import { captureLogger } from '../support/helpers';

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

describe('a background task', () => {
  it('runs at once with `immediately`, then after each interval', async () => {
    let runs = 0;
    const task = new BackgroundTask('hourly', 3_600, () => void (runs += 1), captureLogger().logger);
    task.start(true);
    await jest.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(3_600_000 - 1);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);
    await task.stop();
  });

  it('says when its next run is due in wall clock time, also after the wall clock stepped back', async () => {
    const task = new BackgroundTask('tick', 10, () => undefined, captureLogger().logger);
    task.start(false);
    expect(task.nextRunAt).toBe(1_010_000);
    jest.setSystemTime(Date.now() - 3_600_000); // the wall clock only
    expect(task.nextRunAt).toBe(1_010_000 - 3_600_000);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(task.runs).toBe(1);
    await task.stop();
  });
});
