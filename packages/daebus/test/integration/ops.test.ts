// The built-in actions (daebus.*) every service answers: introspection always, admin only when
// the app turns it on, and the reserved prefix that apps cannot register under.
import { BroadcastChannel } from 'node:worker_threads';
import { fixture, waitFor } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';
import type { DaebusCaller } from 'daebus';

const t = appPerTest('ops', { drainTimeoutMs: 1_000 });

/**
 * Run `body` with the gate of held-stop.mjs threads: `name` for their workerData, how many are
 * winding down (waiting for it), and `go` to let them return. The gate is opened and closed after.
 */
async function withHeldStops(body: (gate: { name: string; windingDown: () => number; go: () => void }) => Promise<void>): Promise<void> {
  const name = `daebus-test-held-stop-${t.service}`;
  const gate = new BroadcastChannel(name);
  let windingDown = 0;
  gate.onmessage = (event) => (windingDown += (event as MessageEvent).data === 'winding down' ? 1 : 0);
  try {
    await body({ name, windingDown: () => windingDown, go: () => gate.postMessage('go') });
  } finally {
    gate.postMessage('go');
    gate.close();
  }
}

/**
 * With admin on and a held-stop.mjs thread `held` running: send daebus.thread.restart and run
 * `body` while that restart waits for the thread to return (`go` lets it return).
 */
async function whileRestartStops(
  body: (during: { caller: DaebusCaller; restart: Promise<unknown>; go: () => void }) => Promise<void>,
): Promise<void> {
  t.remake({ admin: true });
  await withHeldStops(async ({ name, windingDown, go }) => {
    t.app.thread('held', fixture('held-stop.mjs'), { workerData: { gate: name }, shutdownTimeoutMs: 60_000 });
    await t.start();
    const caller = t.caller({ timeoutMs: 10_000 });
    const restart = caller.sendRequest('daebus.thread.restart', { name: 'held' });
    restart.catch(() => undefined);
    await waitFor(() => windingDown() === 1, 'the restart stopping the thread');
    await body({ caller, restart, go });
  });
}

describe('introspection actions', () => {
  it('daebus.info describes the service: library version, pid, actions, threads, tasks, pool', async () => {
    t.app.action('echo', (p) => p);
    t.app.listen('events', () => undefined);
    t.app.thread('sleeper', fixture('sleeper.mjs'));
    t.app.background('tick', 60, () => undefined);
    await t.start();
    const info = await t.caller().sendRequest('daebus.info');
    expect(info).toMatchObject({
      service: t.service,
      app: 'ops',
      library: { name: 'daebus', version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
      pid: process.pid,
      actions: ['echo'],
      listeners: ['events'],
      threads: ['sleeper'],
      background: [{ name: 'tick', intervalSeconds: 60, paused: false, busy: false, runs: 0 }],
      pool: null,
      replica: null,
      http: null,
      admin: false,
    });
    expect(info.transport).toEqual(expect.stringContaining('memory'));
    expect(info.uptimeMs).toBeGreaterThanOrEqual(0);
  });

  it('daebus.threads returns each snapshot with uptime, heap and event-loop use; daebus.ping answers', async () => {
    t.app.thread('sleeper', fixture('sleeper.mjs'));
    await t.start();
    const caller = t.caller();
    await expect(caller.sendRequest('daebus.ping')).resolves.toMatchObject({ pong: true });
    // heap and event-loop use arrive with the first sample, a moment after the start
    await waitFor(async () => {
      const { threads } = await caller.sendRequest('daebus.threads');
      return threads[0]?.heapUsedBytes !== undefined && threads[0]?.eventLoopUtilization !== undefined;
    }, 'a heap sample');
    const { threads } = await caller.sendRequest('daebus.threads');
    expect(threads).toEqual([expect.objectContaining({ name: 'sleeper', state: 'running', restarts: 0, uptimeMs: expect.any(Number) })]);
    // a size, not a time: any live V8 heap holds more than 100 KB, so this is a real sample
    expect(threads[0]?.heapUsedBytes).toBeGreaterThan(100_000);
    expect(threads[0]?.eventLoopUtilization).toBeGreaterThanOrEqual(0);
    expect(threads[0]?.eventLoopUtilization).toBeLessThanOrEqual(1);
  });

  it('daebus.health: ok with every thread up, failing when a required thread fails', async () => {
    t.app.thread('dies', fixture('throws.mjs'), { maxRestarts: 0 });
    await t.start().catch(() => undefined);
    const caller = t.caller();
    await waitFor(() => t.app.threads.dies?.state === 'failed', 'the thread to fail');
    await expect(caller.sendRequest('daebus.health')).resolves.toMatchObject({
      status: 'failing',
      ready: false,
      transport: { connected: true },
      threads: { failed: ['dies'], stalled: [] },
    });
  });

  it('daebus.health: not ready while the service starts (it answers before its threads are up), ok once started', async () => {
    const gate = new BroadcastChannel('daebus-test-gated-import');
    const waiting = new Promise((resolve) => (gate.onmessage = resolve));
    t.app.thread('gated', fixture('gated-import.mjs'));
    const started = t.start();
    await waitFor(() => t.records.some((r) => r.message.includes('listening on')), 'the transport to come up');
    const caller = t.caller();
    const during = await caller.sendRequest('daebus.health');
    // the gate opens whatever the answer, or the start would hang the test's stop
    await waiting;
    gate.postMessage('go');
    gate.close();
    expect(during).toMatchObject({ status: 'failing', ready: false, starting: true, transport: { connected: true } });
    await started;
    const health = await caller.sendRequest('daebus.health');
    expect(health).toMatchObject({ status: 'ok', ready: true });
    expect(health).not.toHaveProperty('starting');
  });

  it('daebus.health: not ready while the start hooks run', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let hookRuns!: () => void;
    const inHook = new Promise<void>((resolve) => (hookRuns = resolve));
    t.app.onStart(async () => {
      hookRuns();
      await held;
    });
    const started = t.start();
    await inHook;
    const during = await t.caller().sendRequest('daebus.health');
    release();
    await started;
    // a warm-up in a start hook was not done: ready was true
    expect(during).toMatchObject({ status: 'failing', ready: false, starting: true });
    await expect(t.caller().sendRequest('daebus.health')).resolves.toMatchObject({ status: 'ok', ready: true });
  });

  it('an optional thread that failed leaves the service degraded but ready', async () => {
    t.app.thread('dies', fixture('throws.mjs'), { maxRestarts: 0, optional: true });
    t.app.thread('sleeper', fixture('sleeper.mjs'));
    await t.start();
    await waitFor(() => t.app.threads.dies?.state === 'failed', 'the thread to fail');
    await expect(t.caller().sendRequest('daebus.health')).resolves.toMatchObject({ status: 'degraded', ready: true });
  });

  it('a required thread waiting out its restart backoff leaves the service degraded and not ready; an optional one, ready', async () => {
    const longBackoff = { initialDelayMs: 600_000, maxDelayMs: 600_000, jitter: 0 } as const;
    t.app.thread('required', fixture('throws.mjs'), longBackoff);
    t.app.thread('extra', fixture('throws.mjs'), { ...longBackoff, optional: true });
    await t.start().catch(() => undefined);
    const caller = t.caller();
    await waitFor(() => t.app.threads.required?.state === 'backoff' && t.app.threads.extra?.state === 'backoff', 'both to crash');
    // before, a crash storm of a required thread said ok, ready until the thread failed for good
    await expect(caller.sendRequest('daebus.health')).resolves.toMatchObject({
      status: 'degraded',
      ready: false,
      threads: { failed: [], stalled: [], restarting: ['required', 'extra'] },
    });
    await t.app.stopThread('required', 1_000);
    await expect(caller.sendRequest('daebus.health')).resolves.toMatchObject({
      status: 'degraded',
      ready: true,
      threads: { restarting: ['extra'] },
    });
  });

  it('refuses to register an action under the reserved prefix', () => {
    expect(() => t.app.action('daebus.mine', () => 1)).toThrow(expect.objectContaining({ code: 'RESERVED_NAME' }));
  });

  it('an unknown action lists the app actions, not the built-in ones', async () => {
    t.app.action('echo', (p) => p);
    await t.start();
    const err = await t
      .caller()
      .sendRequest('nope')
      .catch((e: Error) => e);
    expect(String((err as Error).message)).toContain('echo');
    expect(String((err as Error).message)).not.toContain('daebus.');
  });
});

describe('admin actions', () => {
  it('are off by default, with an error that says how to turn them on', async () => {
    t.app.thread('sleeper', fixture('sleeper.mjs'));
    await t.start();
    await expect(t.caller().sendRequest('daebus.thread.stop', { name: 'sleeper' })).rejects.toMatchObject({
      details: { remoteCode: 'ADMIN_DISABLED' },
      message: expect.stringContaining('admin: true'),
    });
    expect(t.app.threads.sleeper?.state).toBe('running');
  });

  it('stop, start and restart a thread when enabled', async () => {
    t.remake({ admin: true });
    t.app.thread('sleeper', fixture('sleeper.mjs'));
    await t.start();
    const caller = t.caller();
    // each with the service's clock, which the snapshot's ages count from
    const asked = Date.now();
    const stopped = await caller.sendRequest('daebus.thread.stop', { name: 'sleeper' });
    expect(stopped).toMatchObject({ name: 'sleeper', state: 'stopped', at: expect.any(Number) });
    expect(stopped.at).toBeGreaterThanOrEqual(stopped.lastExit?.at ?? Infinity);
    expect(stopped.at).toBeGreaterThanOrEqual(asked);
    await expect(caller.sendRequest('daebus.thread.start', { name: 'sleeper' })).resolves.toMatchObject({
      state: 'running',
      at: expect.any(Number),
    });
    const before = t.app.threads.sleeper?.startedAt ?? 0;
    const restarted = (await caller.sendRequest('daebus.thread.restart', { name: 'sleeper' })) as { state: string; startedAt: number };
    expect(restarted).toMatchObject({ state: 'running', at: expect.any(Number) });
    expect(restarted.startedAt).toBeGreaterThanOrEqual(before);
    await expect(caller.sendRequest('daebus.thread.stop', { name: 'ghost' })).rejects.toMatchObject({
      message: expect.stringContaining('ghost'),
    });
    await expect(caller.sendRequest('daebus.thread.stop', {} as never)).rejects.toMatchObject({
      details: { remoteCode: 'INVALID_ARGUMENT' },
    });
  });

  it('pause and resume a background task', async () => {
    t.remake({ admin: true });
    let runs = 0;
    t.app.background('tick', 0.02, () => {
      runs += 1;
    });
    await t.start();
    await waitFor(() => runs > 0, 'a first run');
    const caller = t.caller();
    await expect(caller.sendRequest('daebus.task.pause', { name: 'tick' })).resolves.toMatchObject({ name: 'tick', paused: true });
    await new Promise((r) => setTimeout(r, 50)); // a run in progress finishes
    const paused = runs;
    await new Promise((r) => setTimeout(r, 150));
    expect(runs).toBe(paused);
    await expect(caller.sendRequest('daebus.task.resume', { name: 'tick' })).resolves.toMatchObject({ paused: false });
    await waitFor(() => runs > paused, 'a run after resume');
    // an unknown task has its own code, as an unknown thread has (before: INVALID_ARGUMENT)
    await expect(caller.sendRequest('daebus.task.pause', { name: 'nosuch' })).rejects.toMatchObject({
      details: { remoteCode: 'UNKNOWN_TASK' },
      message: expect.stringContaining('No background task named "nosuch" is registered (there are: tick)'),
    });
    expect(() => t.app.backgroundTask('nosuch')).toThrow(expect.objectContaining({ code: 'UNKNOWN_TASK' }));
  });

  it('with a token: refused without it or with a wrong one, done with it', async () => {
    t.remake({ admin: { token: 'correct-horse' } });
    t.app.thread('sleeper', fixture('sleeper.mjs'));
    await t.start();
    const caller = t.caller();
    for (const payload of [{ name: 'sleeper' }, { name: 'sleeper', token: 'wrong-horse' }, { name: 'sleeper', token: 7 }]) {
      await expect(caller.sendRequest('daebus.thread.stop', payload as never)).rejects.toMatchObject({
        details: { remoteCode: 'FORBIDDEN' },
      });
    }
    expect(t.app.threads.sleeper?.state).toBe('running');
    // each refusal one warning without a stack, naming the action (before: a handler's failure, with the library's stack)
    const refusals = t.records.filter((r) => String(r.message).includes('FORBIDDEN'));
    expect(refusals.map((r) => [r.level, r.message])).toEqual(
      Array.from({ length: 3 }, () => [
        'warn',
        expect.stringMatching(/^Refused admin action "daebus\.thread\.stop" \(FORBIDDEN\): .* --token or DAEBUS_ADMIN_TOKEN\)\.$/),
      ]),
    );
    expect(refusals.some((r) => 'error' in r)).toBe(false);
    await expect(caller.sendRequest('daebus.thread.stop', { name: 'sleeper', token: 'correct-horse' })).resolves.toMatchObject({
      state: 'stopped',
    });
  });

  it('do not hold up the introspection actions: health and ping answer while 8 thread stops wait', async () => {
    t.remake({ admin: true });
    await withHeldStops(async ({ name, windingDown, go }) => {
      const names = Array.from({ length: 8 }, (_, i) => `held${i}`);
      for (const thread of names) t.app.thread(thread, fixture('held-stop.mjs'), { workerData: { gate: name }, shutdownTimeoutMs: 60_000 });
      await t.start();
      const caller = t.caller({ timeoutMs: 10_000 });
      let stopsSettled = 0;
      const stops = names.map((thread) => caller.sendRequest('daebus.thread.stop', { name: thread }).finally(() => (stopsSettled += 1)));
      // a failure leaves them to time out after the test: not an unhandled rejection
      for (const stop of stops) stop.catch(() => undefined);
      // every admin slot holds a stop that waits for its thread
      await waitFor(() => windingDown() === names.length, 'every thread winding down');
      await expect(caller.sendRequest('daebus.health')).resolves.toMatchObject({ ready: true });
      await expect(caller.sendRequest('daebus.ping')).resolves.toMatchObject({ pong: true });
      await expect(caller.sendRequest('daebus.threads')).resolves.toMatchObject({ threads: expect.any(Array) as unknown });
      expect(stopsSettled).toBe(0);
      go();
      for (const stopped of await Promise.all(stops)) expect(stopped).toMatchObject({ state: 'stopped' });
    });
  });

  it('a stop asked while a restart stops the thread wins: the thread stays stopped, the restart says so', async () => {
    await whileRestartStops(async ({ caller, restart, go }) => {
      const stop = caller.sendRequest('daebus.thread.stop', { name: 'held' });
      // answered after the stop was taken in: the stop is asked before the thread returns
      await caller.sendRequest('daebus.ping');
      go();
      await expect(stop).resolves.toMatchObject({ name: 'held', state: 'stopped' });
      await expect(restart).rejects.toMatchObject({
        details: { remoteCode: 'THREAD_NOT_RUNNING' },
        message: expect.stringContaining('daebus.thread.stop') as unknown,
      });
      expect(t.app.threads.held?.state).toBe('stopped');
      // a restart asked after a stop still starts the thread
      await expect(caller.sendRequest('daebus.thread.restart', { name: 'held' })).resolves.toMatchObject({ state: 'running' });
    });
  });

  it('app.stopThread() asked while a restart stops the thread wins too', async () => {
    await whileRestartStops(async ({ restart, go }) => {
      const stop = t.app.stopThread('held');
      go();
      await expect(stop).resolves.toMatchObject({ name: 'held', state: 'stopped' });
      await expect(restart).rejects.toMatchObject({
        details: { remoteCode: 'THREAD_NOT_RUNNING' },
        message: expect.stringContaining('app.stopThread()') as unknown,
      });
      expect(t.app.threads.held?.state).toBe('stopped');
    });
  });

  it('two restarts at once both start the thread: neither counts the other as a stop', async () => {
    await whileRestartStops(async ({ caller, restart: first, go }) => {
      const second = caller.sendRequest('daebus.thread.restart', { name: 'held' });
      second.catch(() => undefined);
      // answered after the second restart was taken in
      await caller.sendRequest('daebus.ping');
      go();
      await expect(first).resolves.toMatchObject({ state: 'running' });
      await expect(second).resolves.toMatchObject({ state: 'running' });
      expect(t.app.threads.held?.state).toBe('running');
    });
  });

  it('checks the admin option at construction', () => {
    expect(() => t.remake({ admin: { token: 'short' } })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    expect(() => t.remake({ admin: 'yes' as never })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });
});
