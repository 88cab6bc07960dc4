// Stopping threads: through their own running() check when they cooperate, by terminate() when not.
import { Daebus } from 'daebus';
import { captureLogger, collect, fixture, nextEvent, waitFor } from '../support/helpers';

let app: Daebus;
let records: ReturnType<typeof captureLogger>['records'];

beforeEach(() => {
  const captured = captureLogger();
  records = captured.records;
  app = new Daebus('stopping', { logger: captured.logger });
});

afterEach(async () => {
  await app.stop({ timeoutMs: 1_000 });
});

describe('stopping threads', () => {
  it('wakes a thread sleeping in t.sleep(60 s); it returns through its own running() check', async () => {
    app.thread('sleeper', fixture('sleeper.mjs'), { shutdownTimeoutMs: 30_000 });
    await app.startThread('sleeper');
    const exit = nextEvent(app, 'exit');
    const result = await app.stopThread('sleeper');
    expect(result).toEqual({ name: 'sleeper', terminated: false, state: 'stopped' });
    expect(await exit).toMatchObject({ reason: 'stopped', code: 0, terminated: false });
    expect(records.some((r) => r.thread === 'sleeper' && r.message === 'sleeper returning')).toBe(true);
  });

  it('wakes a thread blocked in t.sleepSync(60 s)', async () => {
    app.thread('blocked', fixture('sleep-sync.mjs'), { shutdownTimeoutMs: 30_000 });
    await app.startThread('blocked');
    await expect(app.stopThread('blocked')).resolves.toMatchObject({ terminated: false, state: 'stopped' });
    expect(records.find((r) => r.message === 'sleepSync woke')).toMatchObject({ running: false });
  });

  it('stops a CPU-bound loop that only calls running(), without terminating it', async () => {
    app.thread('cpu', fixture('cpu-loop.mjs'), { shutdownTimeoutMs: 30_000 });
    await app.startThread('cpu');
    // let the loop get optimized before the stop
    await new Promise((r) => setTimeout(r, 300));
    await expect(app.stopThread('cpu')).resolves.toMatchObject({ terminated: false, state: 'stopped' });
    expect(records.some((r) => r.thread === 'cpu' && r.message === 'cpu loop saw the stop')).toBe(true);
  });

  it('terminates a thread that ignores running() after shutdownTimeoutMs, and says so', async () => {
    app.thread('stubborn', fixture('ignores-stop.mjs'), { shutdownTimeoutMs: 200 });
    await app.startThread('stubborn');
    const stopped = nextEvent(app, 'stop');
    await expect(app.stopThread('stubborn')).resolves.toEqual({ name: 'stubborn', terminated: true, state: 'stopped' });
    expect(await stopped).toEqual({ name: 'stubborn', terminated: true });
    expect(app.threads.stubborn?.lastExit).toMatchObject({ reason: 'stopped', terminated: true });
    expect(records.some((r) => r.level === 'warn' && r.message.includes('did not return within 200 ms'))).toBe(true);
  });

  it('app.stop() names the threads it had to terminate', async () => {
    app.thread('stubborn', fixture('ignores-stop.mjs'), { shutdownTimeoutMs: 100 });
    app.thread('polite', fixture('sleeper.mjs'));
    await app.start();
    await waitFor(() => app.threads.stubborn?.state === 'running' && app.threads.polite?.state === 'running', 'both running');
    await app.stop();
    expect(app.threads.polite?.lastExit?.terminated).toBe(false);
    expect(records.some((r) => r.level === 'warn' && r.message.includes('terminated thread(s) that ignored the stop: stubborn'))).toBe(
      true,
    );
  });

  it('stopThread(name, timeoutMs) overrides shutdownTimeoutMs', async () => {
    app.thread('stubborn', fixture('ignores-stop.mjs'), { shutdownTimeoutMs: 120_000 });
    await app.startThread('stubborn');
    await expect(app.stopThread('stubborn', 50)).resolves.toMatchObject({ terminated: true });
  });

  it('cancels a pending restart', async () => {
    app.thread('crashy', fixture('throws.mjs'), { initialDelayMs: 60_000, maxDelayMs: 60_000 });
    const restart = nextEvent(app, 'restart');
    await app.start();
    await restart;
    expect(app.threads.crashy?.state).toBe('backoff');
    const starts = collect(app, 'start');
    await app.stopThread('crashy');
    expect(app.threads.crashy).toMatchObject({ state: 'stopped' });
    expect(app.threads.crashy?.nextRestartAt).toBeUndefined();
    expect(starts).toHaveLength(0);
  });

  it('starts an autoStart: false thread only by hand, and again after a stop', async () => {
    app.thread('later', fixture('sleeper.mjs'), { autoStart: false });
    await app.start();
    expect(app.threads.later?.state).toBe('stopped');
    await expect(app.startThread('later')).resolves.toMatchObject({ state: 'running' });
    await app.stopThread('later');
    await app.thread('later').start();
    expect(app.thread('later').status.state).toBe('running');
  });

  it('does not restart anything once the service is stopping', async () => {
    app.thread('flaky', fixture('crash-after.mjs'), { workerData: { ms: 60_000 }, initialDelayMs: 0, jitter: 0 });
    await app.start();
    await app.stop();
    expect(app.threads.flaky?.state).toBe('stopped');
  });

  it('rejects unknown threads and bad timeouts with clear errors', async () => {
    await expect(app.stopThread('ghost')).rejects.toMatchObject({ code: 'UNKNOWN_THREAD' });
    await expect(app.startThread('ghost')).rejects.toMatchObject({ code: 'UNKNOWN_THREAD' });
    app.thread('x', fixture('sleeper.mjs'), { autoStart: false });
    await expect(app.stopThread('x', -1)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    expect(() => app.thread('ghost')).toThrow(/No thread named "ghost" is registered \(known: x\)/);
  });
});
