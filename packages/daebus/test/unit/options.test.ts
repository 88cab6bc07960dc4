import { SHARE_ENV } from 'node:worker_threads';
import { DEFAULT_THREAD_OPTIONS, resolveThreadOptions, type ThreadOptions } from '../../src/main/supervisor/thread-options';

function messageOf(options: unknown): string {
  try {
    resolveThreadOptions('t1', options as ThreadOptions);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('INVALID_OPTION');
    return (err as Error).message;
  }
  throw new Error('expected the options to be rejected');
}

describe('thread options', () => {
  it('fills in the documented defaults', () => {
    expect(resolveThreadOptions('t1', undefined)).toEqual(DEFAULT_THREAD_OPTIONS);
    expect(resolveThreadOptions('t1', { maxRestarts: 2, jitter: undefined })).toEqual({ ...DEFAULT_THREAD_OPTIONS, maxRestarts: 2 });
    expect(DEFAULT_THREAD_OPTIONS).toMatchObject({ autoStart: true, restart: 'transient', onFailure: 'continue' });
  });

  it('accepts every option at a valid value', () => {
    const all: ThreadOptions = {
      autoStart: false,
      restart: 'permanent',
      initialDelayMs: 0,
      maxDelayMs: 10,
      factor: 1,
      jitter: 1,
      resetAfterMs: 0,
      maxRestarts: 0,
      windowMs: 1,
      onFailure: 'exit',
      shutdownTimeoutMs: 0,
      resourceLimits: { maxOldGenerationSizeMb: 16, stackSizeMb: 1 },
      workerData: { a: [1, 2], m: new Map([[1, 2]]) },
      env: { A: 'b' },
    };
    expect(resolveThreadOptions('t1', all)).toMatchObject({ ...all, workerData: all.workerData });
    expect(resolveThreadOptions('t1', { env: SHARE_ENV }).env).toBe(SHARE_ENV);
    // the floors themselves, and tiny young generation and code range sizes (Node raises those)
    const floors = { maxOldGenerationSizeMb: 4, stackSizeMb: 1, maxYoungGenerationSizeMb: 0.001, codeRangeSizeMb: 0.001 };
    expect(resolveThreadOptions('t1', { resourceLimits: floors }).resourceLimits).toEqual(floors);
  });

  it.each<[unknown, string]>([
    ['nope', 'Thread "t1": options must be an object (got "nope").'],
    [{ restartt: 'permanent' }, 'Thread "t1": unknown option "restartt" in options (known: autoStart'],
    [{ autoStart: 'yes' }, 'options.autoStart must be true or false (got "yes")'],
    [{ restart: 'always' }, "options.restart must be 'permanent', 'transient' or 'temporary' (got \"always\")"],
    [{ onFailure: 'crash' }, "options.onFailure must be 'continue' or 'exit' (got \"crash\")"],
    [{ initialDelayMs: -1 }, 'options.initialDelayMs must be a number of milliseconds from 0 to 2147483647 (about 24.8 days) (got -1)'],
    [{ maxDelayMs: Infinity }, 'options.maxDelayMs must be a number of milliseconds from 0 to 2147483647 (about 24.8 days) (got Infinity)'],
    [{ resetAfterMs: '5' }, 'options.resetAfterMs must be a number of milliseconds from 0 to 2147483647 (about 24.8 days) (got "5")'],
    [{ shutdownTimeoutMs: NaN }, 'options.shutdownTimeoutMs must be a number of milliseconds from 0 to 2147483647 (about 24.8 days)'],
    [
      { stallTimeoutMs: 3e9 },
      'options.stallTimeoutMs must be a number of milliseconds from 0 to 2147483647 (about 24.8 days) (got 3000000000)',
    ],
    [{ windowMs: 0 }, 'options.windowMs must be a number of milliseconds > 0 and at most 2147483647 (got 0)'],
    // given both: no advice about the default (before: "set it with an initialDelayMs above its default 30000")
    [{ initialDelayMs: 500, maxDelayMs: 100 }, 'options.maxDelayMs must be >= initialDelayMs (500) (got 100)'],
    [
      { initialDelayMs: 60_000 },
      'options.maxDelayMs must be >= initialDelayMs (60000); set it with an initialDelayMs above its default 30000 (got 30000)',
    ],
    [{ factor: 0.5 }, 'options.factor must be a finite number >= 1 (got 0.5)'],
    [{ jitter: 1.5 }, 'options.jitter must be a number from 0 to 1 (got 1.5)'],
    [{ maxRestarts: 1.5 }, 'options.maxRestarts must be a whole number >= 0 (got 1.5)'],
    [{ maxRestarts: -1 }, 'options.maxRestarts must be a whole number >= 0 (got -1)'],
    [{ resourceLimits: 5 }, 'options.resourceLimits must be an object (got 5)'],
    [{ resourceLimits: { heapMb: 5 } }, 'unknown option "heapMb" in options.resourceLimits (known: maxYoungGenerationSizeMb'],
    [
      { resourceLimits: { maxOldGenerationSizeMb: 0 } },
      'options.resourceLimits.maxOldGenerationSizeMb must be a number of megabytes > 0 (got 0)',
    ],
    [
      { resourceLimits: { maxOldGenerationSizeMb: 3.9 } },
      'options.resourceLimits.maxOldGenerationSizeMb must be at least 4 (megabytes): below it Node ends the whole process as the worker starts, not just the thread (got 3.9)',
    ],
    [
      { resourceLimits: { stackSizeMb: 0.05 } },
      'options.resourceLimits.stackSizeMb must be at least 1 (megabytes): below it a thread cannot read a value nested 1000 levels deep',
    ],
    // before: accepted, and on Node 22 and 24 a get of an item nested 1000 levels waited for ever
    [
      { resourceLimits: { stackSizeMb: 0.75 } },
      'options.resourceLimits.stackSizeMb must be at least 1 (megabytes): below it a thread cannot read a value nested 1000 levels deep, as values shared with threads may be (the message would be dropped unread), and below 0.25 Node ends the whole process as the worker starts (got 0.75)',
    ],
    // before: accepted, and a thread with 1e8 ended the whole process as it started (Fatal process OOM ... CodeRange)
    [
      { resourceLimits: { codeRangeSizeMb: 1e8 } },
      'options.resourceLimits.codeRangeSizeMb must be at most 4096 (megabytes): V8 reserves it all as the thread starts, and a reservation it cannot make ends the whole process (got 100000000)',
    ],
    [{ workerData: { f: () => 1 } }, 'options.workerData: the value cannot be copied to another thread'],
    [{ env: 'x' }, 'options.env must be an object of strings or SHARE_ENV (got "x")'],
    [{ env: { A: 1 } }, 'options.env.A must be a string (got 1)'],
  ])('rejects %j with a message naming the option', (options, expected) => {
    expect(messageOf(options)).toContain(expected);
  });
});
