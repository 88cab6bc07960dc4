// Each way a thread can die, with real worker threads: how the supervisor classifies it and
// what the policy then does.
import { pathToFileURL } from 'node:url';
import { type ThreadOptions } from 'daebus';
import { collect, fixture, nextEvent, waitFor } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';

const fast: ThreadOptions = { initialDelayMs: 10, jitter: 0, maxRestarts: 2, windowMs: 60_000 };

const t = appPerTest('dying');

async function firstExit(name: string, entry: string, options: ThreadOptions = {}) {
  const exit = nextEvent(t.app, 'exit', (e) => e.name === name);
  t.app.thread(name, entry, { ...fast, ...options });
  await t.app.start();
  return exit;
}

describe('ways a thread dies', () => {
  it('an exception thrown by the thread function is a crash, and the error is kept', async () => {
    const exit = await firstExit('throws', fixture('throws.mjs'), { restart: 'temporary' });
    expect(exit).toMatchObject({ reason: 'crashed', code: 1, error: { message: 'thrown on start 0' } });
    await waitFor(() => t.app.threads.throws?.state === 'failed', 'state failed');
    expect(t.app.threads.throws?.lastError?.message).toBe('thrown on start 0');
  });

  it('an unhandled rejection inside the thread is a crash', async () => {
    const exit = await firstExit('rejects', fixture('unhandled-rejection.mjs'), { restart: 'temporary' });
    expect(exit).toMatchObject({ reason: 'crashed', error: { name: 'TypeError', message: 'nobody handled this' } });
  });

  it('a DOMException (an AbortSignal reason) keeps its name and message, awaited or unhandled; a listener of the thread decides', async () => {
    const awaited = await firstExit('awaited', fixture('dom-exception.mjs'), { restart: 'temporary', workerData: { mode: 'awaited' } });
    expect(awaited).toMatchObject({
      reason: 'crashed',
      error: { name: 'TimeoutError', message: 'The operation was aborted due to timeout' },
    });
    const loose = nextEvent(t.app, 'exit', (e) => e.name === 'loose');
    t.app.thread('loose', fixture('dom-exception.mjs'), { ...fast, restart: 'temporary', workerData: { mode: 'loose' } });
    expect(await loose).toMatchObject({ reason: 'crashed', error: { name: 'AbortError', message: 'left unhandled' } });
    const listened = nextEvent(t.app, 'exit', (e) => e.name === 'listened');
    t.app.thread('listened', fixture('dom-exception.mjs'), { ...fast, restart: 'temporary', workerData: { mode: 'listened' } });
    expect(await listened).toMatchObject({ reason: 'normal' });
    expect(t.records.some((r) => r.message === 'went on')).toBe(true);
  });

  it('an error whose cause chain loops or runs thousands long is a crash, with the chain cut (Node alone never ends the copy)', async () => {
    const loop = await firstExit('loop', fixture('cause-chain.mjs'), { restart: 'temporary', workerData: { mode: 'loop' } });
    expect(loop).toMatchObject({ reason: 'crashed', error: { message: 'first' } });
    const long = nextEvent(t.app, 'exit', (e) => e.name === 'long');
    t.app.thread('long', fixture('cause-chain.mjs'), { ...fast, restart: 'temporary', workerData: { mode: 'long' } });
    const exit = await long;
    expect(exit).toMatchObject({ reason: 'crashed', error: { message: 'error 1999', code: 'E_LONG' } });
    const failed = nextEvent(t.app, 'exit', (e) => e.name === 'import');
    t.app.thread('import', fixture('cause-chain-import.mjs'), { ...fast, optional: true });
    expect(await failed).toMatchObject({ reason: 'failed-to-start', error: { code: 'THREAD_LOAD_FAILED' } });
  });

  it('process.exit(n) inside the thread is a crash for n != 0 and a normal exit for 0', async () => {
    const crashed = await firstExit('exit3', fixture('exits.mjs'), { restart: 'temporary', workerData: { code: 3 } });
    expect(crashed).toMatchObject({ reason: 'crashed', code: 3 });
    expect(crashed.error).toBeUndefined();
    const normal = nextEvent(t.app, 'exit', (e) => e.name === 'exit0');
    t.app.thread('exit0', fixture('exits.mjs'), { ...fast, workerData: { code: 0 } });
    expect(await normal).toMatchObject({ reason: 'normal', code: 0 });
  });

  it('a clean return is a normal exit and ends the thread as completed under transient', async () => {
    const exit = await firstExit('returns', fixture('returns.mjs'));
    expect(exit).toMatchObject({ reason: 'normal', code: 0, terminated: false });
    await waitFor(() => t.app.threads.returns?.state === 'completed', 'state completed');
    expect(t.app.threads.returns?.restarts).toBe(0);
  });

  it('running out of memory under resourceLimits is reported as out-of-memory and restarted', async () => {
    const restarts = collect(t.app, 'restart');
    const exit = await firstExit('oom', fixture('oom.mjs'), { resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 } });
    expect(exit).toMatchObject({ reason: 'out-of-memory', error: { code: 'ERR_WORKER_OUT_OF_MEMORY' } });
    await waitFor(() => restarts.length > 0, 'a restart after running out of memory');
    expect(t.records.some((r) => r.level === 'error' && r.message.includes('ran out of memory'))).toBe(true);
  });

  it.each([
    ['no-default.mjs', 'has no default export made with defineThread(). Write `export default defineThread('],
    ['named-thread.mjs', "It has one named worker: a thread runs its module's default export, so make that the default"],
    ['tick.mjs', 'Its default export is a pooled handler (made with defineHandler()). Register a pooled handler with app.action('],
    ['throws-on-import.mjs', 'this module fails while loading'],
    ['syntax-error.mjs', 'could not load its module'],
  ])('a module that cannot be loaded (%s) fails to start: failed at once, not restarted', async (file, text) => {
    const failed = nextEvent(t.app, 'failed', (e) => e.name === 'bad');
    const exit = await firstExit('bad', fixture(file), { restart: 'permanent', optional: true });
    expect(exit).toMatchObject({ reason: 'failed-to-start', error: { code: 'THREAD_LOAD_FAILED' } });
    expect(exit.error?.message).toContain(text);
    expect(await failed).toMatchObject({ why: 'failed-to-start' });
    expect(t.app.threads.bad).toMatchObject({ state: 'failed', restarts: 0 });
  });

  it('says where in its file a module does not parse', async () => {
    const exit = await firstExit('bad', fixture('syntax-error.mjs'), { optional: true });
    expect(exit.error?.message).toMatch(/could not load its module .*syntax-error\.mjs: .* \(at .*syntax-error\.mjs:\d+\)$/);
    // where it is (and the line with a caret, when the error is on one), above the error's stack
    expect((exit.error?.details?.cause as { stack?: string } | undefined)?.stack).toMatch(/^\/.*syntax-error\.mjs:\d+\n/);
  });

  it("app.start() rejects when a required thread cannot start, with the module's own error as the cause", async () => {
    t.app.thread('bad', fixture('throws-on-import.mjs'));
    const err = (await t.app.start().catch((e: unknown) => e)) as Error & { code: string; cause: Error };
    expect(err).toMatchObject({ code: 'THREAD_START_FAILED', details: { threads: ['bad'] } });
    expect(err.message).toContain('did not start: thread "bad" ended before it started: could not load its module');
    expect(err.cause.message).toBe('this module fails while loading');
    expect(err.cause.stack).toContain('throws-on-import.mjs:1');
    expect(t.app.threads.bad?.state).toBe('failed');
    // the start's error says it all: the thread's own line, which advised app.startThread() of a service that was not starting, is left out
    expect(t.records.filter((r) => r.message.includes('app.startThread'))).toEqual([]);
  });

  it.each([false, true])(
    "app.start() rejects with THREAD_START_FAILED when a thread with onFailure 'exit' cannot start (optional: %s)",
    async (optional) => {
      // before: the failure stopped the service under the start, which rejected with STOPPED, not saying why
      t.app.thread('bad', fixture('throws-on-import.mjs'), { optional, onFailure: 'exit' });
      const err = (await t.app.start().catch((e: unknown) => e)) as Error & { code: string; cause: Error };
      expect(err).toMatchObject({ code: 'THREAD_START_FAILED', details: { threads: ['bad'] } });
      expect(err.message).toMatch(
        /did not start: thread "bad" ended before it started: .* the service does not run without "bad" \(onFailure: 'exit'\)\.$/,
      );
      expect(err.cause.message).toBe('this module fails while loading');
      expect(t.app.threads.bad?.state).toBe('failed');
    },
  );

  it("logs why an optional thread with onFailure 'exit' started by hand failed, as the service stops for it", async () => {
    t.app.thread('bad', fixture('throws-on-import.mjs'), { optional: true, onFailure: 'exit', autoStart: false });
    await t.start();
    await expect(t.app.startThread('bad')).rejects.toMatchObject({ code: 'THREAD_LOAD_FAILED' });
    // before (this round's first version): only "failed and its onFailure is exit: stopping", the cause nowhere in the log
    await waitFor(
      () => t.records.some((r) => r.message.startsWith('Thread "bad" failed and will not be restarted: it could not start')),
      'the cause logged',
    );
    const line = t.records.find((r) => r.message.startsWith('Thread "bad" failed and will not be restarted'));
    expect(line).toMatchObject({ level: 'error', message: expect.stringContaining("The service stops (onFailure: 'exit')") });
  });

  it('says the stop of a start that failed is that, not that every thread returned', async () => {
    t.app.thread('bad', fixture('throws-on-import.mjs'));
    await expect(t.app.start()).rejects.toMatchObject({ code: 'THREAD_START_FAILED' });
    const stopped = t.records.filter((r) => r.message.startsWith(`Service "${t.app.service}" stopped`)).map((r) => r.message);
    // before: 'stopped; every action finished and every thread returned', just before the error naming the thread that did not start
    expect(stopped).toEqual([
      `Service "${t.app.service}" stopped, as its start failed; every action finished and every thread that started returned`,
    ]);
  });

  it('logs a thread that cannot start when nothing else reports it: registered once the service runs, or optional', async () => {
    t.app.thread('optional', fixture('throws-on-import.mjs'), { optional: true });
    await t.start();
    t.app.thread('late', fixture('throws-on-import.mjs'));
    const failed = (name: string): boolean =>
      t.records.some(
        (r) => r.level === 'error' && r.message.startsWith(`Thread "${name}" failed and will not be restarted: it could not start`),
      );
    await waitFor(() => failed('late') && failed('optional'), 'both failures logged');
  });

  it('fails, not retries, a thread whose worker ends before its function starts: by hand, or optional at the start', async () => {
    // before: the start was refused, and the supervisor went on restarting it (state backoff, 5 crashes)
    t.app.thread('exits', fixture('exits-on-import.mjs'), { autoStart: false });
    t.app.thread('optional', fixture('exits-on-import.mjs'), { optional: true });
    const failedEvents: { name: string; error?: { code?: string } }[] = [];
    t.app.on('failed', (event) => failedEvents.push(event));
    await t.start();
    expect(t.app.threads.optional).toMatchObject({ state: 'failed', restarts: 0 });
    const err = (await t.app.startThread('exits').catch((e: unknown) => e)) as { code: string; message: string; details: object };
    expect(err).toMatchObject({ code: 'THREAD_START_FAILED', details: { reason: 'crashed' } });
    expect(err.message).toBe('Thread "exits" ended before it started (exit code 2)');
    expect(t.app.threads.exits).toMatchObject({ state: 'failed', restarts: 0 });
    // the start's error stands for the error they left none of (before: no lastError, a failed event without error)
    for (const name of ['optional', 'exits']) {
      const lastError = { code: 'THREAD_START_FAILED', message: `Thread "${name}" ended before it started (exit code 2)` };
      expect(t.app.threads[name]?.lastError).toMatchObject(lastError);
      expect(failedEvents.find((e) => e.name === name)).toMatchObject({ why: 'failed-to-start', error: lastError });
    }
    // the optional one, which nothing else reports, is logged with why
    expect(t.records.map((r) => r.message)).toContain(
      'Thread "optional" failed and will not be restarted: it could not start (crashed, exit code 2). Fix the cause and call app.startThread("optional").',
    );
  });

  it('startThread rejects with the load error when the thread cannot start', async () => {
    t.app.thread('bad', fixture('no-default.mjs'), { autoStart: false });
    await expect(t.app.startThread('bad')).rejects.toMatchObject({ code: 'THREAD_LOAD_FAILED' });
  });

  it('accepts a file URL entry and a CommonJS module compiled from TypeScript', async () => {
    const exit = await firstExit('cjs', pathToFileURL(fixture('cjs-thread.cjs')).href);
    expect(exit.reason).toBe('normal');
    expect(t.records.some((r) => r.thread === 'cjs' && r.message === 'cjs thread ran')).toBe(true);
  });
});
