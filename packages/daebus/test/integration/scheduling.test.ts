// Background tasks, start hooks and blueprints.
import { randomUUID } from 'node:crypto';
import { Blueprint, Daebus, DaebusCaller, MemoryTransport, logger } from 'daebus';
import { fixture, waitFor } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';

const t = appPerTest('scheduling');

const start = () => t.start();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('background tasks', () => {
  it('never overlap: a slow run delays the next one', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    t.app.background('slow', 0.01, async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(50);
      running -= 1;
      runs += 1;
    });
    await start();
    await waitFor(() => runs >= 4, 'four runs');
    expect(most).toBe(1);
  });

  it('log an error and keep the schedule', async () => {
    let calls = 0;
    t.app.background('flaky', 0.01, () => {
      calls += 1;
      if (calls % 2 === 1) throw new Error(`bad run ${calls}`);
    });
    await start();
    await waitFor(() => calls >= 4, 'four calls');
    expect(t.records.some((r) => r.level === 'error' && r.message.startsWith('Background task "flaky" failed: bad run 1'))).toBe(true);
    expect(t.app.backgroundTask('flaky').runs).toBeGreaterThanOrEqual(3);
  });

  it('say the same failure run after run without its stack, at most once a second (before: a stack a run; then a line a run, 732 a second at 1 ms)', async () => {
    t.app.background('down', 0.01, () => {
      throw new Error('the database is down');
    });
    await start();
    const lines = (): typeof t.records => t.records.filter((r) => r.level === 'error' && r.message.startsWith('Background task "down"'));
    await waitFor(() => lines().length >= 2, 'two failure lines');
    const failures = t.app.backgroundTask('down').failures;
    const [first, second] = lines();
    expect(first).toMatchObject({ message: expect.stringMatching(/^Background task "down" failed: the database is down; /) });
    expect(first?.error).toMatchObject({ stack: expect.stringContaining('the database is down') });
    expect(second?.message).toMatch(
      /^Background task "down" failed again \(\d+ runs in a row\): the database is down; it runs again in 0.01 s$/,
    );
    expect(second?.error).toBeUndefined();
    // the runs between them were counted, not each said: the second line gives their count
    const streak = Number(/\((\d+) runs in a row\)/.exec(second?.message ?? '')?.[1]);
    expect(failures).toBeGreaterThanOrEqual(streak);
    expect(lines().length).toBeLessThan(t.app.backgroundTask('down').failures);
  });

  it('a task that throws before any await is not busy after its run: paused and resumed, or its interval changed, it runs again', async () => {
    let calls = 0;
    t.app.background('throws', 0.02, () => {
      calls += 1;
      throw new Error(`bad run ${calls}`);
    });
    await start();
    const task = t.app.backgroundTask('throws');
    await waitFor(() => task.failures >= 1, 'a failed run');
    // before: the run's end was recorded before the run itself, so it counted busy for ever
    await waitFor(() => !task.busy, 'the run to end');
    task.pause();
    task.resume();
    const after = calls;
    await waitFor(() => calls > after + 1, 'runs after the resume');
    expect(task.info()).toMatchObject({ paused: false });
    task.intervalSeconds = 0.01;
    const later = calls;
    await waitFor(() => calls > later + 1, 'runs after the interval changed');
  });

  it('change their interval at run time, run at once when asked, and stop with the service', async () => {
    let calls = 0;
    const task = t.app.background('rare', 3_600, () => {
      calls += 1;
    });
    let early = 0;
    t.app.background('early', 3_600, () => void (early += 1), { immediately: true });
    await start();
    await waitFor(() => early === 1, 'the immediate run');
    expect(calls).toBe(0);
    task.intervalSeconds = 0.01;
    await waitFor(() => calls >= 3, 'runs at the new interval');
    await t.app.stop();
    expect(task.nextRunAt).toBeUndefined();
    expect(task.busy).toBe(false);
    expect(() => (task.intervalSeconds = 0)).toThrow(/intervalSeconds must be a number of seconds from 0.001 \(1 ms, the shortest timer\)/);
    // shorter than Node's shortest timer: it ran every 1 ms, not as often as asked (a nanosecond, before)
    expect(() => t.app.background('often', 1e-9, () => undefined)).toThrow(/from 0.001 \(1 ms/);
    // a month does not fit Node's timer (which would fire after 1 ms): refused, not run in a loop
    expect(() => (task.intervalSeconds = 30 * 24 * 3600)).toThrow(/to 2147483.647 \(about 24.8 days/);
    expect(() => t.app.background('monthly', 30 * 24 * 3600, () => undefined)).toThrow(/to 2147483.647/);
  });

  it('names ten of the runs a stop waits for, and counts the rest (before: every task, however many)', async () => {
    t.remake({ drainTimeoutMs: 100 });
    const started = new Set<string>();
    for (let i = 0; i < 12; i++)
      t.app.background(`long${i}`, 0.01, async () => {
        started.add(`long${i}`);
        await sleep(3_000);
      });
    await t.start();
    await waitFor(() => started.size === 12, 'the tasks to run');
    await t.app.stop();
    const said = t.records.map((r) => String(r.message));
    const ten = [...Array(10).keys()].map((i) => `long${i}`).join(', ');
    expect(said).toContain(`Waiting up to 100 ms for the background task run(s) in progress: ${ten}, and 2 more`);
    expect(said).toContain(`Background task(s) still running after 100 ms, not waited for: ${ten}, and 2 more`);
    expect(said).toContainEqual(
      expect.stringMatching(new RegExp(`stopped; background task run\\(s\\) not waited for: ${ten}, and 2 more$`)),
    );
  });

  it('a run still going past drainTimeoutMs is named in the stop’s last line, and the process is bounded as for a handler given up on', async () => {
    t.remake({ drainTimeoutMs: 100 });
    let started = false;
    t.app.background('long', 0.01, async () => {
      started = true;
      await sleep(3_000);
    });
    const exits: unknown[] = [];
    const exitSpy = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => void exits.push(code)) as never);
    try {
      const exit = t.app.run({ service: t.service, transport: t.transport(), handleSignals: false });
      await waitFor(() => started, 'the task to run');
      await t.app.stop();
      await expect(exit).resolves.toBe(0);
      // said as the stop begins (before: nothing until the wait ended)
      expect(t.records.map((r) => String(r.message))).toContain('Waiting up to 100 ms for the background task run(s) in progress: long');
      // before: "every action finished and every thread returned", and no bound on the run left going
      expect(t.records.map((r) => String(r.message))).toContainEqual(
        expect.stringMatching(/^Service ".*" stopped; background task run\(s\) not waited for: long$/),
      );
      await waitFor(() => exits.length > 0, 'the bounded exit', 5_000);
      expect(exits).toEqual([0]);
    } finally {
      exitSpy.mockRestore();
    }
  });

  it('a pooled run still going past drainTimeoutMs is ended without an error logged for it (before: "failed: ... crashed its worker")', async () => {
    t.remake({ drainTimeoutMs: 100 });
    t.app.background('long', 0.01, { module: fixture('pooled.mjs'), export: 'spins' });
    await start();
    await waitFor(() => t.app.backgroundTask('long').busy, 'the pooled run to start');
    await t.app.stop();
    const task = t.app.backgroundTask('long');
    expect(task.failures).toBe(0);
    expect(t.records.filter((r) => r.level === 'error')).toEqual([]);
    expect(t.records.map((r) => String(r.message))).toContainEqual(
      expect.stringMatching(/^Service ".*" stopped; background task run\(s\) not waited for: long$/),
    );
  });

  it('a pooled run that crashes its worker is named as a task’s in the log, in one sentence', async () => {
    t.app.background('crashy', 60, { module: fixture('pooled.mjs'), export: 'exits' }, { immediately: true });
    await start();
    await waitFor(() => t.app.backgroundTask('crashy').failures === 1, 'the crashed run');
    expect(t.records.filter((r) => r.level === 'error').map((r) => r.message)).toEqual([
      'Background task "crashy" failed: Pooled task "crashy" crashed its worker (worker exited with code: 3); the pool replaced it; it runs again in 60 s',
    ]);
  });

  it('can run on the pool', async () => {
    t.app.background('pooled', 0.01, { module: fixture('tick.mjs') });
    await start();
    const ticks = t.app.map<number>('ticks');
    await waitFor(async () => ((await ticks.get('pooled')) ?? 0) >= 3, 'three pooled runs');
  });

  it("name the task in their records: the logger global's, and a pooled run's ctx.log (before: no task named)", async () => {
    t.app.background('inline_tick', 0.01, () => logger.info('inline tick'));
    t.app.background('pooled', 0.01, { module: fixture('tick.mjs') });
    await start();
    await waitFor(() => t.records.some((r) => r.message === 'pooled tick 1'), 'a pooled run');
    await waitFor(() => t.records.some((r) => r.message === 'inline tick'), 'an inline run');
    expect(t.records.find((r) => r.message === 'inline tick')).toMatchObject({ task: 'inline_tick' });
    expect(t.records.find((r) => r.message === 'pooled tick 1')).toMatchObject({ task: 'pooled' });
  });
});

describe('start hooks', () => {
  it('run after the transport is connected and the threads are started; a failing one is logged by name', async () => {
    const seen: unknown[] = [];
    t.app.thread('sleeper', fixture('sleeper.mjs'));
    t.app.onStart(async function checkThreads() {
      seen.push(t.app.threads.sleeper?.state);
      seen.push(await t.app.broadcast(`nobody_${randomUUID()}`, {}));
    });
    t.app.onStart(function brokenHook() {
      throw new Error('hook bug');
    });
    t.app.onStart(() => void seen.push('after the broken one'));
    await start();
    expect(seen).toEqual(['running', 0, 'after the broken one']);
    expect(t.records.some((r) => r.level === 'error' && r.message === 'The start hook "brokenHook" failed: hook bug')).toBe(true);
  });
});

describe('blueprints', () => {
  it('register everything they declare', async () => {
    const heard: unknown[] = [];
    let ticks = 0;
    let hooked = false;
    const bp = new Blueprint('jobs')
      .action('job_status', () => ({ ok: true }))
      .listen('jobs_events', (payload) => void heard.push(payload))
      .thread('job_worker', fixture('sleeper.mjs'))
      .background('job_tick', 0.01, () => void (ticks += 1))
      .onStart(() => {
        hooked = true;
      });
    t.app.registerBlueprint(bp);
    await start();
    const caller = new DaebusCaller(t.service, { transport: new MemoryTransport(t.broker) });
    await expect(caller.sendRequest('job_status')).resolves.toEqual({ ok: true });
    await caller.sendMessage('jobs_events', { n: 1 });
    await caller.close();
    await waitFor(() => heard.length === 1 && ticks > 0, 'the listener and the task');
    expect(t.app.threads.job_worker?.state).toBe('running');
    expect(hooked).toBe(true);
  });

  it('refuse a name registered twice, naming both places, and register nothing of a refused blueprint', async () => {
    t.app.action('status', () => ({}));
    const clash = new Blueprint('monitoring').action('fresh', () => ({ fresh: true })).action('status', () => ({}));
    expect(() => t.app.registerBlueprint(clash)).toThrow(
      'An action named "status" is registered twice: by the app and by blueprint "monitoring". Give each its own name.',
    );
    t.app.registerBlueprint(new Blueprint('a').thread('w', fixture('sleeper.mjs'), { autoStart: false }));
    expect(() => t.app.registerBlueprint(new Blueprint('b').thread('w', fixture('sleeper.mjs')))).toThrow(
      'A thread named "w" is registered twice: by blueprint "a" and by blueprint "b".',
    );
    expect(() => new Blueprint('c').background('t', 1, () => 1).background('t', 2, () => 2)).toThrow(
      'A background task named "t" is already registered by blueprint "c".',
    );
    expect(() => t.app.action('status', () => ({}))).toThrow('An action named "status" is already registered by the app.');
    await start();
    const caller = new DaebusCaller(t.service, { transport: new MemoryTransport(t.broker) });
    await expect(caller.sendRequest('fresh')).rejects.toMatchObject({ details: { remoteCode: 'UNKNOWN_ACTION' } });
    await caller.close();
  });

  it('refuse what a blueprint records once registered, and a second blueprint of one name (before: dropped without a word)', async () => {
    const bp = new Blueprint('monitoring').action('status', () => ({ ok: 1 }));
    t.app.registerBlueprint(bp);
    expect(() => bp.action('late', () => ({ late: true }))).toThrow(
      expect.objectContaining({
        code: 'INVALID_STATE',
        message: expect.stringContaining(
          'The blueprint "monitoring" is registered on an app already: what it records now would not be registered.',
        ),
      }),
    );
    expect(() => t.app.registerBlueprint(new Blueprint('monitoring').action('other', () => ({})))).toThrow(
      expect.objectContaining({
        code: 'DUPLICATE_NAME',
        message: expect.stringContaining('A blueprint named "monitoring" is registered on this app already'),
      }),
    );
    // a refused blueprint takes no name: one of its name, put right, is registered
    expect(() => t.app.registerBlueprint(new Blueprint('extra').action('status', () => ({})))).toThrow(/registered twice/);
    t.app.registerBlueprint(new Blueprint('extra').action('extra_status', () => ({ extra: true })));
    // a blueprint made once for many apps (an app per test): each registers it
    const other = new Daebus(`${t.service}_other`, { logger: t.app.logger });
    other.registerBlueprint(bp);
    await start();
    const caller = new DaebusCaller(t.service, { transport: new MemoryTransport(t.broker) });
    await expect(caller.sendRequest('status')).resolves.toEqual({ ok: 1 });
    await expect(caller.sendRequest('extra_status')).resolves.toEqual({ extra: true });
    await caller.close();
  });
});
