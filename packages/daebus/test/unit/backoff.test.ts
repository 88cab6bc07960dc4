import { restartDelay } from '../../src/main/supervisor/backoff';
import { classifyExit, shouldRestart } from '../../src/main/supervisor/exit';
import { toPlainError } from '../../src/shared/errors';
import { loadFailure } from '../../src/thread/load';

const opts = { initialDelayMs: 100, maxDelayMs: 1_000, factor: 2, jitter: 0 };

describe('restartDelay', () => {
  // before: NaN once factor ** attempt overflowed (a huge factor, or 1025 restarts at the default 2)
  it('is 0 for every attempt when initialDelayMs is 0, however large the factor or the attempt', () => {
    expect([1, 2, 3, 4].map((n) => restartDelay(n, { initialDelayMs: 0, factor: 1e308 }))).toEqual([0, 0, 0, 0]);
    expect(restartDelay(1100, { initialDelayMs: 0 })).toBe(0);
  });

  it('grows by factor from initialDelayMs and caps at maxDelayMs', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => restartDelay(n, opts))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('takes at most `jitter` of the delay off, using the injected random source', () => {
    const jittered = { ...opts, jitter: 0.5 };
    expect(restartDelay(3, jittered, () => 0)).toBe(400);
    expect(restartDelay(3, jittered, () => 0.5)).toBe(300);
    expect(restartDelay(3, jittered, () => 0.999999)).toBe(200);
    expect(restartDelay(10, jittered, () => 0.5)).toBe(750);
  });

  it("takes the thread options' defaults for the options left out (before: NaN without jitter)", () => {
    expect(restartDelay(3, { initialDelayMs: 100, factor: 2, maxDelayMs: 1_000 }, () => 0)).toBe(400);
    expect(restartDelay(3, {}, () => 0.5)).toBe(Math.round(400 * (1 - 0.1 * 0.5)));
    expect(restartDelay(1)).toBeGreaterThan(0);
  });

  it('treats attempt 0 like the first and factor 1 as a constant delay', () => {
    expect(restartDelay(0, opts)).toBe(100);
    expect(restartDelay(7, { ...opts, factor: 1 })).toBe(100);
  });
});

describe('exit classification and policies', () => {
  // before: a moment with no free descriptor failed a module thread's restart for good, as a broken module
  it('retries a load that failed for want of a descriptor, memory or a process, and gives up on a broken module', () => {
    const loadFailed = (cause: Record<string, unknown>) => ({
      code: 1,
      stopRequested: false,
      error: {
        name: 'DaebusError',
        code: 'THREAD_LOAD_FAILED',
        message: 'x',
        details: { cause: { name: 'Error', message: 'x', ...cause } },
      },
    });
    for (const code of ['EMFILE', 'ENFILE', 'EAGAIN', 'ENOMEM']) expect(classifyExit(loadFailed({ code }))).toBe('crashed');
    expect(classifyExit(loadFailed({ code: 'ENOENT' }))).toBe('failed-to-start');
    // as the thread side reports it: the system error's code in details.cause
    const emfile = Object.assign(new Error("EMFILE: too many open files, open '/app/thread.mjs'"), { code: 'EMFILE' });
    const reported = toPlainError(loadFailure('Thread "t"', emfile));
    expect(classifyExit({ code: 1, stopRequested: false, error: reported })).toBe('crashed');
    expect(classifyExit(loadFailed({ name: 'SyntaxError' }))).toBe('failed-to-start');
  });

  it('classifies exits', () => {
    expect(classifyExit({ code: 0, stopRequested: false })).toBe('normal');
    expect(classifyExit({ code: 1, stopRequested: true, error: { name: 'Error', message: 'x' } })).toBe('stopped');
    expect(classifyExit({ code: 3, stopRequested: false })).toBe('crashed');
    expect(classifyExit({ code: 1, stopRequested: false, error: { name: 'Error', message: 'x' } })).toBe('crashed');
    expect(classifyExit({ code: 1, stopRequested: false, error: { name: 'Error', message: 'x', code: 'ERR_WORKER_OUT_OF_MEMORY' } })).toBe(
      'out-of-memory',
    );
    expect(classifyExit({ code: 1, stopRequested: false, error: { name: 'DaebusError', message: 'x', code: 'THREAD_LOAD_FAILED' } })).toBe(
      'failed-to-start',
    );
  });

  it.each([
    ['permanent', 'normal', true],
    ['permanent', 'crashed', true],
    ['permanent', 'out-of-memory', true],
    ['transient', 'normal', false],
    ['transient', 'crashed', true],
    ['transient', 'out-of-memory', true],
    ['temporary', 'normal', false],
    ['temporary', 'crashed', false],
    ['permanent', 'stopped', false],
    ['permanent', 'failed-to-start', false],
  ] as const)('%s after %s: restart %s', (policy, reason, expected) => {
    expect(shouldRestart(policy, reason)).toBe(expected);
  });
});
