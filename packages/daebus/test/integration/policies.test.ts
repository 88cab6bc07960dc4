// Restart policies, backoff delays and the crash-loop limit, with real worker threads.
import { Daebus, type ThreadOptions } from 'daebus';
import { captureLogger, collect, fixture, nextEvent, waitFor } from '../support/helpers';

let app: Daebus;
let records: ReturnType<typeof captureLogger>['records'];

function makeApp(random?: () => number): void {
  const captured = captureLogger();
  records = captured.records;
  app = new Daebus('policies', { logger: captured.logger, ...(random ? { random } : {}) });
}

afterEach(async () => {
  await app.stop({ timeoutMs: 1_000 });
});

const crashing: ThreadOptions = { initialDelayMs: 20, factor: 2, maxDelayMs: 100, jitter: 0, maxRestarts: 5, windowMs: 60_000 };

describe('restart policies', () => {
  it('permanent restarts a thread after a normal return', async () => {
    makeApp();
    const restarts = collect(app, 'restart');
    app.thread('again', fixture('returns.mjs'), { ...crashing, restart: 'permanent', maxRestarts: 2 });
    await app.start();
    await waitFor(() => app.threads.again?.state === 'failed', 'the crash-loop limit');
    expect(restarts.map((r) => r.attempt)).toEqual([1, 2]);
    expect(records.filter((r) => r.thread === 'again' && r.message === 'returning at once')).toHaveLength(3);
  });

  it('transient restarts after a crash with delays that follow the formula, then gives up', async () => {
    makeApp();
    const restarts = collect(app, 'restart');
    const failed = nextEvent(app, 'failed');
    app.thread('crashy', fixture('throws.mjs'), crashing);
    await app.start();
    const event = await failed;
    // min(maxDelayMs, initialDelayMs * factor^(n-1)) for n = 1..5, then the 6th crash is one too many
    expect(restarts.map((r) => r.delayMs)).toEqual([20, 40, 80, 100, 100]);
    expect(restarts.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(event).toMatchObject({ name: 'crashy', why: 'crash-loop', error: { message: 'thrown on start 5' } });
    expect(app.threads.crashy).toMatchObject({ state: 'failed', restarts: 5, lastError: { message: 'thrown on start 5' } });
    // logged once, with the last error
    const failures = records.filter((r) => r.level === 'error' && r.message.includes('failed and will not be restarted'));
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toContain('thrown on start 5');
  });

  it('applies jitter from the injected random source', async () => {
    makeApp(() => 0.5);
    const restarts = collect(app, 'restart');
    app.thread('crashy', fixture('throws.mjs'), { ...crashing, jitter: 0.5, maxRestarts: 3 });
    await app.start();
    await waitFor(() => app.threads.crashy?.state === 'failed', 'the crash-loop limit');
    expect(restarts.map((r) => r.delayMs)).toEqual([15, 30, 60]);
  });

  it('reports the next restart time while in backoff', async () => {
    makeApp();
    const restart = nextEvent(app, 'restart');
    app.thread('slow', fixture('throws.mjs'), { ...crashing, initialDelayMs: 60_000, maxDelayMs: 60_000 });
    await app.start();
    const event = await restart;
    expect(app.threads.slow).toMatchObject({ state: 'backoff', restarts: 1, nextRestartAt: event.at });
    expect(event.delayMs).toBe(60_000);
  });

  it('resets the backoff sequence when a run lasted resetAfterMs', async () => {
    makeApp();
    const restarts = collect(app, 'restart');
    app.thread('flaky', fixture('crash-after.mjs'), { ...crashing, resetAfterMs: 0, maxRestarts: 3, workerData: { ms: 5 } });
    await app.start();
    await waitFor(() => app.threads.flaky?.state === 'failed', 'the crash-loop limit');
    expect(restarts.map((r) => r.attempt)).toEqual([1, 1, 1]);
    expect(restarts.map((r) => r.delayMs)).toEqual([20, 20, 20]);
  });

  it('temporary never restarts: a crash is a failure', async () => {
    makeApp();
    const failed = nextEvent(app, 'failed');
    const restarts = collect(app, 'restart');
    app.thread('once', fixture('throws.mjs'), { ...crashing, restart: 'temporary' });
    await app.start();
    expect(await failed).toMatchObject({ why: 'crashed' });
    expect(restarts).toHaveLength(0);
  });

  it('a failed thread leaves the others running, and can be started again by hand', async () => {
    makeApp();
    app.thread('steady', fixture('sleeper.mjs'));
    app.thread('crashy', fixture('throws.mjs'), { ...crashing, maxRestarts: 1 });
    await app.start();
    await waitFor(() => app.threads.crashy?.state === 'failed', 'crashy failed');
    expect(app.threads.steady?.state).toBe('running');
    const restarted = nextEvent(app, 'start', (e) => e.name === 'crashy');
    await app.startThread('crashy').catch(() => undefined);
    await restarted;
    await waitFor(() => app.threads.crashy?.state === 'failed', 'crashy failed again');
    // the fresh start got a fresh restart budget
    expect(app.threads.crashy?.restarts).toBe(1);
  });
});
