// Stall detection on real workers: the supervisor sees a thread that neither calls running() nor
// lets its event loop turn, without the thread's help, and never mistakes a busy loop that checks
// running(), a sleepSync or an idle await for one.
import { Worker } from 'node:worker_threads';
import type { ThreadStalledEvent, ThreadUnstalledEvent } from 'daebus';
import { fixture, waitFor } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';

const t = appPerTest('stall');
/** The stall timeout of these tests: a stall is reported only once it has lasted longer than this. */
const STALL_TIMEOUT_MS = 200;

describe('stall detection', () => {
  it('warns once, emits stalled with the time, shows it in the snapshot; unstalled when the loop turns again', async () => {
    t.app.thread('blocks', fixture('blocks.mjs'), { stallTimeoutMs: STALL_TIMEOUT_MS, workerData: { ms: 1_200 } });
    const stalled: ThreadStalledEvent[] = [];
    const unstalled: ThreadUnstalledEvent[] = [];
    t.app.on('stalled', (e) => stalled.push(e));
    t.app.on('unstalled', (e) => unstalled.push(e));
    await t.start();
    await waitFor(() => stalled.length > 0, 'the stall');
    expect(stalled).toEqual([{ name: 'blocks', stalledForMs: expect.any(Number), restarting: false }]);
    // the definition of a stall, not a speed: no beat for longer than the timeout
    expect(stalled[0]?.stalledForMs).toBeGreaterThan(STALL_TIMEOUT_MS);
    expect(t.app.threads.blocks).toMatchObject({ state: 'running', stalledForMs: expect.any(Number) });
    await expect(t.caller().sendRequest('daebus.health')).resolves.toMatchObject({
      status: 'degraded',
      ready: false,
      threads: { stalled: ['blocks'] },
    });
    await waitFor(() => unstalled.length > 0, 'the end of the stall');
    expect(unstalled[0]?.stalledForMs).toBeGreaterThan(STALL_TIMEOUT_MS);
    expect(t.app.threads.blocks?.stalledForMs).toBeUndefined();
    const warnings = t.records.filter((r) => r.level === 'warn' && r.message.includes('is stalled'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain('Thread "blocks" is stalled');
    await expect(t.caller().sendRequest('daebus.health')).resolves.toMatchObject({ status: 'ok', ready: true });
  });

  it("onStall: 'restart' terminates the stalled thread and restarts it under its policy", async () => {
    t.app.thread('blocks', fixture('blocks.mjs'), { stallTimeoutMs: STALL_TIMEOUT_MS, onStall: 'restart', initialDelayMs: 10 });
    const stalled: ThreadStalledEvent[] = [];
    t.app.on('stalled', (e) => stalled.push(e));
    await t.start();
    await waitFor(() => (t.app.threads.blocks?.restarts ?? 0) >= 1 && t.app.threads.blocks?.state === 'running', 'a restart');
    expect(stalled[0]).toMatchObject({ name: 'blocks', restarting: true });
    expect(t.app.threads.blocks?.lastExit).toMatchObject({ reason: 'crashed', terminated: true, error: { code: 'THREAD_STALLED' } });
  });

  it('is reported for a loop that floods un-awaited calls and never lets its event loop turn (its waits for the main side are no beat)', async () => {
    t.app.thread(
      'floods',
      async (_running, th) => {
        const map = th.map('m');
        await map.set('x', 0);
        let i = 0;
        // neither running() nor a turn of the event loop: waiting for the main side to serve it is all it does
        for (;;) void map.set('x', i++);
      },
      { stallTimeoutMs: STALL_TIMEOUT_MS, onStall: 'restart', initialDelayMs: 10 },
    );
    const stalled: ThreadStalledEvent[] = [];
    t.app.on('stalled', (e) => stalled.push(e));
    await t.start();
    // before: never reported, however long it ran
    await waitFor(() => stalled.length > 0, 'the stall');
    expect(stalled[0]).toMatchObject({ name: 'floods', restarting: true });
  });

  it('is never reported for a CPU loop that calls running(), a sleepSync, or an idle await', async () => {
    const options = { stallTimeoutMs: 100 };
    t.app.thread('cpu', fixture('cpu-loop.mjs'), options);
    t.app.thread('sleepsync', fixture('sleep-sync.mjs'), options);
    t.app.thread('sleeper', fixture('sleeper.mjs'), options);
    const stalled: ThreadStalledEvent[] = [];
    t.app.on('stalled', (e) => stalled.push(e));
    await t.start();
    // a dozen sampling windows each, long enough for the loop to be optimized
    await waitFor(() => t.records.some((r) => r.message === 'cpu loop is warm'), 'the loop to warm up');
    await new Promise((r) => setTimeout(r, 600));
    expect(stalled).toEqual([]);
    const threads = t.app.threads;
    expect(threads.cpu?.eventLoopUtilization).toBeGreaterThan(0.5); // busy, and still not stalled
    expect(threads.sleeper?.eventLoopUtilization).toBeLessThan(0.5);
    for (const name of ['cpu', 'sleepsync', 'sleeper']) expect(threads[name]?.heapUsedBytes).toBeGreaterThan(0);
  });

  // Node 20 has no worker.getHeapStatistics(): there the thread's own timer writes the heap, which a CPU loop never lets run
  (typeof (Worker.prototype as { getHeapStatistics?: unknown }).getHeapStatistics === 'function' ? it : it.skip)(
    "reports the heap a CPU-bound thread holds, whose event loop never turns to sample it (before: frozen at the thread's start)",
    async () => {
      t.app.thread('hog', fixture('heap-hog.mjs'));
      await t.start();
      await waitFor(() => (t.app.threads.hog?.heapUsedBytes ?? 0) > 40 * 1024 * 1024, 'the heap to show what the thread holds', 15_000);
    },
  );

  it("is not fooled by a test's fake timers: a minute of fake time leaves a live thread running, not stalled", async () => {
    t.app.thread('sleeper', fixture('sleeper.mjs'), { stallTimeoutMs: STALL_TIMEOUT_MS, onStall: 'restart' });
    const stalled: ThreadStalledEvent[] = [];
    t.app.on('stalled', (e) => stalled.push(e));
    // as a user's test of a minute-long background task does; the stall watch's timer is fake too
    jest.useFakeTimers();
    try {
      await t.start();
      await jest.advanceTimersByTimeAsync(60_000);
    } finally {
      jest.useRealTimers();
    }
    // before: stalled for the fake minute, and restarted
    expect(stalled).toEqual([]);
    expect(t.app.threads.sleeper).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('checks the options at registration', () => {
    expect(() => t.app.thread('x', fixture('sleeper.mjs'), { stallTimeoutMs: -1 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(() => t.app.thread('y', fixture('sleeper.mjs'), { onStall: 'kill' as never })).toThrow(/onStall/);
  });
});
