// Restart policies, backoff delays and the crash-loop limit, with real worker threads.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ThreadOptions } from 'daebus';
import { collect, fixture, nextEvent, waitFor } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';

const t = appPerTest('policies');

const crashing: ThreadOptions = { initialDelayMs: 20, factor: 2, maxDelayMs: 100, jitter: 0, maxRestarts: 5, windowMs: 60_000 };

describe('restart policies', () => {
  it('permanent restarts a thread after a normal return', async () => {
    const restarts = collect(t.app, 'restart');
    t.app.thread('again', fixture('returns.mjs'), { ...crashing, restart: 'permanent', maxRestarts: 2 });
    await t.app.start();
    await waitFor(() => t.app.threads.again?.state === 'failed', 'the crash-loop limit');
    expect(restarts.map((r) => r.attempt)).toEqual([1, 2]);
    expect(t.records.filter((r) => r.thread === 'again' && r.message === 'returning at once')).toHaveLength(3);
  });

  it('transient restarts after a crash with delays that follow the formula, then gives up', async () => {
    const restarts = collect(t.app, 'restart');
    const failed = nextEvent(t.app, 'failed');
    t.app.thread('crashy', fixture('throws.mjs'), crashing);
    await t.app.start();
    const event = await failed;
    // min(maxDelayMs, initialDelayMs * factor^(n-1)) for n = 1..5, then the 6th crash is one too many
    expect(restarts.map((r) => r.delayMs)).toEqual([20, 40, 80, 100, 100]);
    expect(restarts.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(event).toMatchObject({ name: 'crashy', why: 'crash-loop', error: { message: 'thrown on start 5' } });
    expect(t.app.threads.crashy).toMatchObject({ state: 'failed', restarts: 5, lastError: { message: 'thrown on start 5' } });
    // logged once, with the last error
    const failures = t.records.filter((r) => r.level === 'error' && r.message.includes('failed and will not be restarted'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toContain('thrown on start 5');
    // its stack once: on the crash line just before, not again on the failure's (before: both)
    const withStack = t.records.filter((r) => (r.error as { message?: string } | undefined)?.message === 'thrown on start 5');
    expect(withStack.map((r) => r.message)).toEqual([expect.stringMatching(/^Thread "crashy" crashed/)]);
    expect(failures[0]).not.toHaveProperty('error');
  });

  it('applies jitter from the injected random source', async () => {
    t.remake({ random: () => 0.5 });
    const restarts = collect(t.app, 'restart');
    t.app.thread('crashy', fixture('throws.mjs'), { ...crashing, jitter: 0.5, maxRestarts: 3 });
    await t.app.start();
    await waitFor(() => t.app.threads.crashy?.state === 'failed', 'the crash-loop limit');
    expect(restarts.map((r) => r.delayMs)).toEqual([15, 30, 60]);
  });

  it('reports the next restart time while in backoff', async () => {
    const restart = nextEvent(t.app, 'restart');
    t.app.thread('slow', fixture('throws.mjs'), { ...crashing, initialDelayMs: 60_000, maxDelayMs: 60_000 });
    await t.app.start();
    const event = await restart;
    expect(t.app.threads.slow).toMatchObject({ state: 'backoff', restarts: 1, nextRestartAt: event.at });
    expect(event.delayMs).toBe(60_000);
  });

  it('resets the backoff sequence when a run lasted resetAfterMs', async () => {
    const restarts = collect(t.app, 'restart');
    t.app.thread('flaky', fixture('crash-after.mjs'), { ...crashing, resetAfterMs: 0, maxRestarts: 3, workerData: { ms: 5 } });
    await t.app.start();
    await waitFor(() => t.app.threads.flaky?.state === 'failed', 'the crash-loop limit');
    expect(restarts.map((r) => r.attempt)).toEqual([1, 1, 1]);
    expect(restarts.map((r) => r.delayMs)).toEqual([20, 20, 20]);
  });

  it('temporary never restarts: a crash is a failure', async () => {
    const failed = nextEvent(t.app, 'failed');
    const restarts = collect(t.app, 'restart');
    t.app.thread('once', fixture('throws.mjs'), { ...crashing, restart: 'temporary' });
    await t.app.start();
    expect(await failed).toMatchObject({ why: 'crashed' });
    expect(restarts).toHaveLength(0);
  });

  it('a failed thread leaves the others running, and can be started again by hand', async () => {
    t.app.thread('steady', fixture('sleeper.mjs'));
    t.app.thread('crashy', fixture('throws.mjs'), { ...crashing, maxRestarts: 1 });
    await t.app.start();
    await waitFor(() => t.app.threads.crashy?.state === 'failed', 'crashy failed');
    expect(t.app.threads.steady?.state).toBe('running');
    const restarted = nextEvent(t.app, 'start', (e) => e.name === 'crashy');
    await t.app.startThread('crashy').catch(() => undefined);
    await restarted;
    await waitFor(() => t.app.threads.crashy?.state === 'failed', 'crashy failed again');
    // the fresh start got a fresh restart budget
    expect(t.app.threads.crashy?.restarts).toBe(1);
  });
});

describe("a restart's worker", () => {
  it('boots during the backoff, and loads the thread module only when the delay ends', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'daebus-restart-'));
    const markFile = join(dir, 'imports');
    try {
      const restart = nextEvent(t.app, 'restart');
      const restarted = nextEvent(t.app, 'start', (e) => e.restarts === 1);
      t.app.thread('marked', fixture('marks-import.mjs'), {
        ...crashing,
        // room for the spare to boot on a loaded machine (it took over 1.5 s once beside other work)
        initialDelayMs: 4_000,
        maxDelayMs: 4_000,
        env: { ...process.env, MARK_FILE: markFile },
        workerData: { ms: 20 },
      });
      await t.app.start();
      const { at } = await restart;
      await restarted;
      // the spare said it booted while it was still held, so before the delay ended
      expect(t.records.some((r) => r.thread === 'marked' && r.message.includes('the worker of its next run booted'))).toBe(true);
      const times = readFileSync(markFile, 'utf8').trim().split('\n').map(Number);
      expect(times).toHaveLength(2);
      // the module (user code) was imported when the delay ended, not when the worker booted; a
      // little slack because a timer's clock is read once per event-loop turn
      expect(times[1]).toBeGreaterThanOrEqual(at - 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
