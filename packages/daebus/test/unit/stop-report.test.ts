// What a stop gave up on decides its exit code and whether run() bounds the process's last
// seconds: each part of it on its own.
import { abandonedWork, gaveUpOn, logStopped, type StopLeft } from '../../src/main/app/stop-report';
import type { ThreadStopResult } from '../../src/main/supervisor/events';
import { captureLogger } from '../support/helpers';

const nothing: StopLeft = { abandoned: [], rerun: [], requests: [], messages: [], tasks: [], hooks: [], threads: [] };
const thread = (extra: Partial<ThreadStopResult>): ThreadStopResult => ({ name: 't', terminated: true, state: 'stopped', ...extra });

describe('a stop report', () => {
  it('counts as abandoned work (exit code 1) what a caller or a client lost, and a thread still blocked', () => {
    expect(abandonedWork(nothing)).toBe(false);
    for (const left of [
      { ...nothing, abandoned: ['fib'] },
      { ...nothing, requests: ['GET /slow'] },
      { ...nothing, messages: ['"slow" (client user_1)'] },
      { ...nothing, threads: [thread({ blocked: true, state: 'stopping' })] },
    ])
      expect(abandonedWork(left)).toBe(true);
    // given up on, though nothing was lost: run() bounds them, and the exit code stays 0
    for (const left of [
      { ...nothing, rerun: ['fib'] },
      { ...nothing, tasks: ['tick'] },
      { ...nothing, hooks: ['user_1'] },
      { ...nothing, threads: [thread({})] },
    ])
      expect(abandonedWork(left)).toBe(false);
    expect(gaveUpOn({ ...nothing, tasks: ['tick'] })).toBe(true);
    expect(gaveUpOn({ ...nothing, messages: ['"slow" (client user_1)'] })).toBe(true);
    expect(gaveUpOn({ ...nothing, threads: [thread({})] })).toBe(false);
  });

  it('names a blocked thread once, as blocked, not also as one that ignored the stop', () => {
    const { logger, records } = captureLogger();
    logStopped(logger, 's', { ...nothing, threads: [thread({ name: 'ex', blocked: true, state: 'stopping' }), thread({ name: 'spin' })] });
    expect(records.at(-1)?.message).toBe(
      'Service "s" stopped; terminated thread(s) that ignored the stop: spin; thread(s) still blocked in a native call after termination: ex',
    );
  });

  it('after a forced stop, names what it gave up on (before: "every action finished", its work answered STOPPED by then)', () => {
    const { logger, records } = captureLogger();
    // the thread it terminated is named once, as the forced stop's (before: also as one "that ignored the stop")
    logStopped(logger, 's', { ...nothing, threads: [thread({})], forced: ['busy x4', 'thread "t" (terminated)'] });
    expect(records.at(-1)).toMatchObject({
      level: 'warn',
      message: 'Service "s" stopped; forced to stop, it gave up on busy x4, thread "t" (terminated)',
    });
  });
});
