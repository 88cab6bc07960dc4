// Stopping threads: through their own running() check when they cooperate, by terminate() when not.
import { collect, fixture, nextEvent, waitFor, within, type LogRecord } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';
import type { StopOptions, ThreadContext } from 'daebus';

const t = appPerTest('stopping');

describe('stopping threads', () => {
  it('wakes a thread sleeping in t.sleep(60 s); it returns through its own running() check', async () => {
    t.app.thread('sleeper', fixture('sleeper.mjs'), { shutdownTimeoutMs: 30_000 });
    await t.app.startThread('sleeper');
    const exit = nextEvent(t.app, 'exit');
    const result = await t.app.stopThread('sleeper');
    expect(result).toEqual({ name: 'sleeper', terminated: false, state: 'stopped' });
    expect(await exit).toMatchObject({ reason: 'stopped', code: 0, terminated: false });
    expect(t.records.some((r) => r.thread === 'sleeper' && r.message === 'sleeper returning')).toBe(true);
  });

  it('wakes a thread blocked in t.sleepSync(60 s)', async () => {
    t.app.thread('blocked', fixture('sleep-sync.mjs'), { shutdownTimeoutMs: 30_000 });
    await t.app.startThread('blocked');
    await expect(t.app.stopThread('blocked')).resolves.toMatchObject({ terminated: false, state: 'stopped' });
    expect(t.records.find((r) => r.message === 'sleepSync woke')).toMatchObject({ running: false });
  });

  it('stops a CPU-bound loop that only calls running(), without terminating it', async () => {
    t.app.thread('cpu', fixture('cpu-loop.mjs'), { shutdownTimeoutMs: 30_000 });
    await t.app.startThread('cpu');
    await waitFor(() => t.records.some((r) => r.message === 'cpu loop is warm'), 'the loop to run optimized');
    await expect(t.app.stopThread('cpu')).resolves.toMatchObject({ terminated: false, state: 'stopped' });
    expect(t.records.some((r) => r.thread === 'cpu' && r.message === 'cpu loop saw the stop')).toBe(true);
  });

  it('terminates a thread that ignores running() after shutdownTimeoutMs, and says so', async () => {
    t.app.thread('stubborn', fixture('ignores-stop.mjs'), { shutdownTimeoutMs: 200 });
    await t.app.startThread('stubborn');
    const stopped = nextEvent(t.app, 'stop');
    await expect(t.app.stopThread('stubborn')).resolves.toEqual({ name: 'stubborn', terminated: true, state: 'stopped' });
    expect(await stopped).toEqual({ name: 'stubborn', terminated: true });
    expect(t.app.threads.stubborn?.lastExit).toMatchObject({ reason: 'stopped', terminated: true });
    expect(t.records.some((r) => r.level === 'warn' && r.message.includes('did not return within 200 ms'))).toBe(true);
    // and says what to do about it (before: only that it was terminated)
    expect(t.records.find((r) => r.level === 'warn' && r.message.includes('did not return within 200 ms'))?.message).toContain(
      'Its loop should check running() (while (running()) { ... }), and its waits end at the stop with t.sleep() or t.signal',
    );
  });

  it('terminates a thread whose module never finishes loading after shutdownTimeoutMs, saying it was still loading', async () => {
    t.app.thread('loop', fixture('loops-on-import.mjs'), { shutdownTimeoutMs: 100 });
    const started = t.app.startThread('loop').catch((err: unknown) => err); // awaited below, even when an expect fails first
    await expect(t.app.stopThread('loop')).resolves.toEqual({ name: 'loop', terminated: true, state: 'stopped', stillLoading: true });
    expect(await started).toMatchObject({ code: 'STOPPED' });
    expect(
      t.records.some((r) => r.level === 'warn' && r.message.includes('"loop" was still loading its module 100 ms after the stop')),
    ).toBe(true);
  });

  it('warns, naming the thread and its module, when the module has not finished loading within 10 s; the start still waits', async () => {
    t.app.thread('hung', fixture('hangs-on-import.mjs'), { shutdownTimeoutMs: 100 });
    t.app.thread('polite', fixture('sleeper.mjs'));
    await t.app.startThread('polite');
    const started = t.app.startThread('hung').catch((err: unknown) => err); // awaited below, even when an expect fails first
    const warned = (): LogRecord[] => t.records.filter((r) => r.level === 'warn' && r.message.includes('has not finished loading'));
    await waitFor(() => warned().length > 0, 'the warning about the module still loading', 25_000);
    // one line, for the thread still loading only (the one that started is not watched any more)
    expect(warned()).toEqual([
      expect.objectContaining({
        thread: 'hung',
        module: expect.stringContaining('hangs-on-import.mjs'),
        message: expect.stringMatching(
          /^Thread "hung" has not finished loading its module \S*hangs-on-import\.mjs within 10 s: its top-level code/,
        ),
      }),
    ]);
    expect(t.app.threads.hung?.state).toBe('starting');
    await t.app.stopThread('hung');
    expect(await started).toMatchObject({ code: 'STOPPED' });
  });

  it('app.start() stops waiting for an optional thread whose module has not loaded within 10 s (before: the service never started)', async () => {
    t.app.thread('hung', fixture('hangs-on-import.mjs'), { optional: true, shutdownTimeoutMs: 100 });
    t.app.thread('polite', fixture('sleeper.mjs'));
    let hooked = false;
    t.app.onStart(() => void (hooked = true));
    // a generous bound on a start that never ended: nothing here waits for the clock otherwise
    expect(await within(t.start(), 20_000, 'the start still waiting for the optional thread')).toBeUndefined();
    expect(hooked).toBe(true);
    expect(t.app.threads.polite?.state).toBe('running');
    expect(t.app.threads.hung?.state).toBe('starting');
    expect(await t.caller().sendRequest('daebus.health')).toMatchObject({ ready: true });
  });

  it('app.stop() names the threads it had to terminate', async () => {
    t.app.thread('stubborn', fixture('ignores-stop.mjs'), { shutdownTimeoutMs: 100 });
    t.app.thread('polite', fixture('sleeper.mjs'));
    await t.app.start();
    await waitFor(() => t.app.threads.stubborn?.state === 'running' && t.app.threads.polite?.state === 'running', 'both running');
    await t.app.stop();
    expect(t.app.threads.polite?.lastExit?.terminated).toBe(false);
    expect(t.records.some((r) => r.level === 'warn' && r.message.includes('terminated thread(s) that ignored the stop: stubborn'))).toBe(
      true,
    );
  });

  it('stopThread(name, timeoutMs) overrides shutdownTimeoutMs', async () => {
    t.app.thread('stubborn', fixture('ignores-stop.mjs'), { shutdownTimeoutMs: 120_000 });
    await t.app.startThread('stubborn');
    await expect(t.app.stopThread('stubborn', 50)).resolves.toMatchObject({ terminated: true });
  });

  it('cancels a pending restart', async () => {
    t.app.thread('crashy', fixture('throws.mjs'), { initialDelayMs: 60_000, maxDelayMs: 60_000 });
    const restart = nextEvent(t.app, 'restart');
    await t.app.start();
    await restart;
    expect(t.app.threads.crashy?.state).toBe('backoff');
    const starts = collect(t.app, 'start');
    await t.app.stopThread('crashy');
    expect(t.app.threads.crashy).toMatchObject({ state: 'stopped' });
    expect(t.app.threads.crashy?.nextRestartAt).toBeUndefined();
    expect(starts).toHaveLength(0);
  });

  it('starts an autoStart: false thread only by hand, and again after a stop', async () => {
    t.app.thread('later', fixture('sleeper.mjs'), { autoStart: false });
    await t.app.start();
    expect(t.app.threads.later?.state).toBe('stopped');
    await expect(t.app.startThread('later')).resolves.toMatchObject({ state: 'running' });
    await t.app.stopThread('later');
    await t.app.thread('later').start();
    expect(t.app.thread('later').status.state).toBe('running');
  });

  it('does not restart anything once the service is stopping', async () => {
    t.app.thread('flaky', fixture('crash-after.mjs'), { workerData: { ms: 60_000 }, initialDelayMs: 0, jitter: 0 });
    await t.app.start();
    await t.app.stop();
    expect(t.app.threads.flaky?.state).toBe('stopped');
  });

  it('rejects unknown threads and bad timeouts with clear errors', async () => {
    await expect(t.app.stopThread('ghost')).rejects.toMatchObject({ code: 'UNKNOWN_THREAD' });
    await expect(t.app.startThread('ghost')).rejects.toMatchObject({ code: 'UNKNOWN_THREAD' });
    t.app.thread('x', fixture('sleeper.mjs'), { autoStart: false });
    await expect(t.app.stopThread('x', -1)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    expect(() => t.app.thread('ghost')).toThrow(/No thread named "ghost" is registered \(known: x\)/);
  });

  it('rejects a thread name that is not a string with INVALID_ARGUMENT (it was a TypeError from the error message itself)', async () => {
    const bad = 5 as unknown as string;
    expect(() => t.app.thread(bad)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/thread\(name\).*a non-empty string/) }),
    );
    await expect(t.app.startThread(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(t.app.stopThread({} as unknown as string)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it("checks app.stop()'s timeoutMs as a thread's stop does; a bad one stops nothing (Infinity terminated every thread at once)", async () => {
    t.app.thread('x', fixture('sleeper.mjs'));
    await t.app.start();
    for (const timeoutMs of [Infinity, Number.NaN, -1, 'x' as unknown as number])
      await expect(t.app.stop({ timeoutMs })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('timeoutMs'),
      });
    // not an options object, or one with a key it does not know: refused, not taken as no options
    for (const options of [5_000, { timeout: 5_000 }, null])
      await expect(t.app.stop(options as unknown as StopOptions)).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(/^app\.stop\(options\): (options must be an object|unknown option "timeout")/),
      });
    expect(t.app.threads.x?.state).toBe('running');
    await t.app.stop({ timeoutMs: 5_000 });
    expect(t.app.threads.x?.state).toBe('stopped');
  });
});

describe('a stop reaches t.onStop and t.signal', () => {
  // what the thread logged itself: the supervisor's lines about it start with its name
  const lines = (thread: string): string[] =>
    t.records.filter((r) => r.thread === thread && !r.message.startsWith(`Thread "${thread}"`)).map((r) => r.message);

  it('when an async thread returns right after its t.sleep loop: hooks run once and are awaited, before app.stop() resolves', async () => {
    t.app.thread('brief', async (running, t) => {
      t.onStop(() => t.log.info('hook ran'));
      t.onStop(async () => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        t.log.info('async hook done');
      });
      t.onStop(() => {
        throw new Error('hook failed');
      });
      t.signal.addEventListener('abort', () => t.log.info('aborted'));
      t.log.info('looping');
      while (await t.sleep(60_000));
      t.log.info('after loop', { aborted: t.signal.aborted });
      t.onStop(() => t.log.info('late hook ran'));
    });
    await t.app.start();
    await waitFor(() => lines('brief').includes('looping'), 'the loop to start');
    await t.app.stop();
    // no waiting here: the records are in before stop() resolves
    expect(lines('brief').sort()).toEqual(
      ['looping', 'aborted', 'after loop', 'hook ran', 'async hook done', 'late hook ran', 'A t.onStop hook threw: hook failed'].sort(),
    );
    expect(t.records.find((r) => r.message === 'after loop')).toMatchObject({ aborted: true });
    expect(t.records.find((r) => r.message.includes('hook failed'))).toMatchObject({ level: 'error' });
    expect(t.app.threads.brief?.lastExit).toMatchObject({ reason: 'stopped', code: 0, terminated: false });
  });

  it('reports a throw in a t.signal abort listener when the thread returns at once (it was lost without a word)', async () => {
    t.app.thread('listener', async (_running, t) => {
      t.signal.addEventListener('abort', () => {
        throw new Error('abort listener threw');
      });
      t.log.info('looping');
      while (await t.sleep(60_000));
    });
    await t.app.start();
    await waitFor(() => lines('listener').includes('looping'), 'the loop to start');
    await t.app.stop();
    expect(t.app.threads.listener?.lastExit).toMatchObject({ reason: 'stopped', code: 1, error: { message: 'abort listener threw' } });
  });

  it.each([
    [
      'running()',
      (running: () => boolean, t: ThreadContext) => {
        t.onStop(() => t.log.info('hook ran'));
        t.signal.addEventListener('abort', () => t.log.info('aborted'));
        t.log.info('looping');
        while (running());
        t.log.info('after loop', { aborted: t.signal.aborted });
      },
    ],
    [
      't.sleepSync()',
      (running: () => boolean, t: ThreadContext) => {
        t.onStop(() => t.log.info('hook ran'));
        t.signal.addEventListener('abort', () => t.log.info('aborted'));
        t.log.info('looping');
        while (t.sleepSync(60_000));
        t.log.info('after loop', { aborted: t.signal.aborted });
      },
    ],
  ])('when a synchronous %s loop returns', async (_, loop) => {
    t.app.thread('sync', loop);
    await t.app.start();
    await waitFor(() => lines('sync').includes('looping'), 'the loop to start');
    await t.app.stop();
    expect(lines('sync')).toEqual(['looping', 'aborted', 'after loop', 'hook ran']);
    expect(t.records.find((r) => r.message === 'after loop')).toMatchObject({ aborted: true });
  });

  it('not when a thread ends on its own', async () => {
    t.app.thread('done', (running, t) => {
      t.onStop(() => t.log.info('hook ran'));
      t.signal.addEventListener('abort', () => t.log.info('aborted'));
      t.log.info('done');
    });
    await t.app.start();
    await waitFor(() => t.app.threads.done?.state === 'completed', 'the thread to complete');
    await t.app.stop();
    expect(lines('done')).toEqual(['done']);
  });
});
