// The supervisor's state machine without real workers: runs are stand-ins driven by the test, and
// time is jest's fake clock, so every policy, delay and limit is checked exactly.
import type { PlainError } from '../../src/shared/errors';
import type { ThreadEvents } from '../../src/main/supervisor/events';
import { stallClock } from '../../src/main/supervisor/stall-watch';
import { Supervisor } from '../../src/main/supervisor/supervisor';
import { resolveThreadOptions, type ThreadOptions } from '../../src/main/supervisor/thread-options';
import type { RunEvents, RunProbe, RunSpec, WorkerRun } from '../../src/main/supervisor/worker-run';
import { captureLogger } from '../support/helpers';
import { monotonicMs } from '../../src/shared/clock';

/** A run the test drives: it boots, becomes ready, exits, and obeys a stop only when told to. */
class FakeRun implements WorkerRun {
  readyAt: number | undefined;
  readyMonoMs: number | undefined;
  finishing: string | undefined;
  bootMs: number | undefined;
  released = false;
  error: PlainError | undefined;
  stopRequested = false;
  terminated = false;
  readonly exited: Promise<void>;
  readonly posted: unknown[] = [];
  /** What the next probes see: a beat unless the test says the thread hangs. */
  hanging = false;
  #markExited!: () => void;
  #ended = false;

  constructor(
    readonly spec: RunSpec,
    readonly events: RunEvents,
    /** Return at once when asked to stop. */
    readonly cooperative: boolean,
  ) {
    this.exited = new Promise((resolve) => (this.#markExited = resolve));
  }

  booted(ms: number): void {
    this.bootMs = ms;
    this.events.onBooted(this);
  }

  release(): void {
    this.released = true;
  }

  ready(): void {
    this.readyAt = Date.now();
    this.readyMonoMs = monotonicMs();
    this.events.onReady(this);
  }

  exit(code: number, error?: PlainError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.error = error;
    this.events.onExit(this, code);
    this.#markExited();
  }

  crash(message = 'boom'): void {
    this.exit(1, { name: 'Error', message });
  }

  requestStop(): void {
    this.stopRequested = true;
    // a promise job, not queueMicrotask: jest's fake clock holds queued microtasks back
    if (this.cooperative) void Promise.resolve().then(() => this.exit(0));
  }

  async terminate(): Promise<void> {
    this.terminated = true;
    this.stopRequested = true;
    this.exit(1);
    await this.exited;
  }

  async request(type: string, payload: unknown): Promise<unknown> {
    return { type, payload };
  }

  post(type: string, payload: unknown): void {
    this.posted.push({ type, payload });
  }

  probe(): RunProbe {
    return { alive: !this.hanging, eventLoopUtilization: this.hanging ? 1 : 0.25, heapUsedBytes: 4_000_000 };
  }

  abort(error: PlainError): void {
    this.terminated = true;
    this.exit(1, error);
  }
}

function harness(options: { cooperative?: boolean; random?: () => number } = {}) {
  const runs: FakeRun[] = [];
  const events: { event: keyof ThreadEvents; data: unknown }[] = [];
  const failed: string[] = [];
  let spawnError: Error | undefined;
  const supervisor = new Supervisor({
    logger: captureLogger().logger,
    emit: (event, ...args) => events.push({ event, data: args[0] }),
    spawn: (spec, runEvents) => {
      if (spawnError) throw spawnError;
      const run = new FakeRun(spec, runEvents, options.cooperative ?? true);
      runs.push(run);
      return run;
    },
    onFailed: (name) => failed.push(name),
    random: options.random ?? (() => 0),
  });
  const add = (threadOptions: ThreadOptions = {}, name = 't') =>
    supervisor.register(name, { kind: 'inline', source: '() => {}' }, resolveThreadOptions(name, threadOptions));
  const last = (): FakeRun => runs[runs.length - 1] as FakeRun;
  const named = (event: keyof ThreadEvents) => events.filter((e) => e.event === event).map((e) => e.data);
  return { supervisor, runs, events, failed, add, last, named, failSpawn: (err: Error | undefined) => (spawnError = err) };
}

const quick: ThreadOptions = { initialDelayMs: 100, factor: 2, maxDelayMs: 1_000, jitter: 0, maxRestarts: 3, windowMs: 10_000 };

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 });
  // stalls are counted in real time, which fake timers leave alone: here the fake run's beats are fake too
  jest.spyOn(stallClock, 'now').mockImplementation(() => Math.round(monotonicMs()));
});
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('a thread runner', () => {
  it('starts: starting, then running once the run is ready; start() resolves then', async () => {
    const h = harness();
    const runner = h.add();
    const started = runner.start();
    expect(runner.state).toBe('starting');
    expect(runner.start()).not.toBe(started); // a second start waits for the same run
    expect(h.runs).toHaveLength(1);
    h.last().ready();
    await started;
    expect(runner.state).toBe('running');
    expect(runner.snapshot()).toMatchObject({ state: 'running', restarts: 0, startedAt: 1_000_000 });
    expect(h.named('start')).toEqual([{ name: 't', restarts: 0 }]);
  });

  it('restarts a crash after delays that grow by factor up to maxDelayMs, then fails past maxRestarts', async () => {
    const h = harness();
    const runner = h.add({ ...quick, maxRestarts: 5, windowMs: 60_000, maxDelayMs: 300 });
    void runner.start();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      h.last().ready();
      h.last().crash();
      expect(runner.state).toBe('backoff');
      const restart = h.named('restart').at(-1) as ThreadEvents['restart'][0];
      delays.push(restart.delayMs);
      expect(runner.snapshot().nextRestartAt).toBe(Date.now() + restart.delayMs);
      // the restart's worker is started at once (no boot time known yet), held until the delay ends
      expect(h.runs).toHaveLength(i + 2);
      expect(h.last().spec).toMatchObject({ held: true, restarts: i + 1 });
      await jest.advanceTimersByTimeAsync(restart.delayMs - 1);
      expect(h.last().released).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(h.last().released).toBe(true);
      expect(runner.state).toBe('starting');
      expect(h.runs).toHaveLength(i + 2);
    }
    expect(delays).toEqual([100, 200, 300, 300, 300]);
    h.last().ready();
    h.last().crash('sixth');
    expect(runner.state).toBe('failed');
    expect(h.named('failed')).toEqual([{ name: 't', why: 'crash-loop', error: { name: 'Error', message: 'sixth' } }]);
    expect(h.failed).toEqual(['t']);
    expect(runner.snapshot().restarts).toBe(5);
  });

  // on the monotonic clock: before, a wall clock stepped back an hour kept the first restart in the window
  it.each([
    ['', 0],
    [', also when the wall clock stepped back an hour meanwhile', -3_600_000],
  ])('counts the intensity limit within windowMs only%s', async (_when, stepMs) => {
    const h = harness();
    const runner = h.add({ ...quick, maxRestarts: 1, windowMs: 1_000 });
    void runner.start();
    h.last().ready();
    h.last().crash();
    await jest.advanceTimersByTimeAsync(100);
    h.last().ready();
    jest.setSystemTime(Date.now() + stepMs); // NTP, a VM resumed: the wall clock only
    await jest.advanceTimersByTimeAsync(2_000); // the first restart leaves the window
    expect(runner.snapshot().uptimeMs).toBe(2_000);
    h.last().crash();
    expect(runner.state).toBe('backoff');
    await jest.advanceTimersByTimeAsync(200);
    h.last().ready();
    h.last().crash(); // second within a second of the last one
    expect(runner.state).toBe('failed');
  });

  it('applies jitter from the random source: up to `jitter` of the delay taken off', () => {
    const h = harness({ random: () => 0.5 });
    const runner = h.add({ ...quick, jitter: 0.2 });
    void runner.start();
    h.last().ready();
    h.last().crash();
    expect(h.named('restart')).toEqual([{ name: 't', attempt: 1, delayMs: 90, at: Date.now() + 90 }]);
  });

  it('starts the delays again from initialDelayMs after a run that lasted resetAfterMs', async () => {
    const h = harness();
    const runner = h.add({ ...quick, resetAfterMs: 5_000, maxRestarts: 10 });
    void runner.start();
    h.last().ready();
    h.last().crash();
    await jest.advanceTimersByTimeAsync(100);
    h.last().ready();
    h.last().crash();
    await jest.advanceTimersByTimeAsync(200);
    h.last().ready();
    await jest.advanceTimersByTimeAsync(5_000);
    h.last().crash();
    expect((h.named('restart') as ThreadEvents['restart'][0][]).map((r) => [r.attempt, r.delayMs])).toEqual([
      [1, 100],
      [2, 200],
      [1, 100],
    ]);
    expect(runner.snapshot().restarts).toBe(3);
  });

  it.each<[ThreadOptions['restart'], 'normal' | 'crash', string]>([
    ['transient', 'normal', 'completed'],
    ['transient', 'crash', 'backoff'],
    ['permanent', 'normal', 'backoff'],
    ['permanent', 'crash', 'backoff'],
    ['temporary', 'normal', 'completed'],
    ['temporary', 'crash', 'failed'],
  ])('under %s, a %s exit leaves the thread %s', (restart, how, state) => {
    const h = harness();
    const runner = h.add({ ...quick, restart });
    void runner.start();
    h.last().ready();
    if (how === 'normal') h.last().exit(0);
    else h.last().crash();
    expect(runner.state).toBe(state);
    if (state === 'failed') expect(h.named('failed')).toEqual([expect.objectContaining({ why: 'crashed' })]);
  });

  it('does not retry a thread that failed to start, and start() rejects with the cause', async () => {
    const h = harness();
    const runner = h.add({ ...quick, restart: 'permanent' });
    const started = runner.start();
    h.last().exit(1, { name: 'DaebusError', code: 'THREAD_LOAD_FAILED', message: 'no such module' });
    await expect(started).rejects.toMatchObject({
      code: 'THREAD_LOAD_FAILED',
      message: 'Thread "t" ended before it started: no such module',
    });
    expect(runner.state).toBe('failed');
    expect(h.named('failed')).toEqual([expect.objectContaining({ why: 'failed-to-start' })]);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(h.runs).toHaveLength(1);
  });

  it('fails at once, with start() rejected, when a worker cannot be spawned', async () => {
    const h = harness();
    const runner = h.add();
    h.failSpawn(new Error('bad resourceLimits'));
    await expect(runner.start()).rejects.toMatchObject({
      code: 'THREAD_START_FAILED',
      message: expect.stringContaining('bad resourceLimits'),
    });
    expect(runner.snapshot()).toMatchObject({ state: 'failed', lastError: { message: 'bad resourceLimits' } });
  });

  it('a stop during backoff cancels the restart', async () => {
    const h = harness();
    const runner = h.add(quick);
    void runner.start();
    h.last().ready();
    h.last().crash();
    const spare = h.last();
    expect(spare.spec.held).toBe(true);
    await expect(runner.stop()).resolves.toEqual({ name: 't', terminated: false, state: 'stopped' });
    expect(spare).toMatchObject({ terminated: true, released: false });
    expect(runner.snapshot().nextRestartAt).toBeUndefined();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(h.runs).toHaveLength(2);
    expect(h.named('stop')).toEqual([{ name: 't', terminated: false }]);
    expect(h.named('exit')).toHaveLength(1); // the spare's end is not the thread's
  });

  it('a start during backoff starts at once with a fresh budget', async () => {
    const h = harness();
    const runner = h.add(quick);
    void runner.start();
    h.last().ready();
    h.last().crash();
    const spare = h.last();
    const again = runner.start();
    // the spare counted the old budget's restarts: it is ended, and a fresh worker started
    expect(spare).toMatchObject({ terminated: true, released: false });
    expect(h.runs).toHaveLength(3);
    expect(h.last().spec).toMatchObject({ held: false, restarts: 0 });
    h.last().ready();
    await again;
    expect(runner.snapshot()).toMatchObject({ state: 'running', restarts: 0 });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(h.runs).toHaveLength(3);
  });

  it("starts a restart's worker a few boot times before the delay ends, and releases it when it ends", async () => {
    const h = harness();
    const runner = h.add({ ...quick, initialDelayMs: 1_000, maxDelayMs: 1_000 });
    const started = runner.start();
    h.last().booted(40);
    h.last().ready();
    await started;
    h.last().crash();
    // lead: 3 boot times + 50 ms = 170 ms before the end of the 1000 ms delay
    await jest.advanceTimersByTimeAsync(829);
    expect(h.runs).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(h.runs).toHaveLength(2);
    const spare = h.last();
    expect(spare.spec).toMatchObject({ held: true, restarts: 1 });
    spare.booted(60);
    await jest.advanceTimersByTimeAsync(169);
    expect([runner.state, spare.released]).toEqual(['backoff', false]);
    await jest.advanceTimersByTimeAsync(1);
    expect([runner.state, spare.released]).toEqual(['starting', true]);
    spare.ready();
    expect(runner.snapshot()).toMatchObject({ state: 'running', restarts: 1 });
    expect(h.named('start')).toEqual([
      { name: 't', restarts: 0 },
      { name: 't', restarts: 1 },
    ]);
    // the next lead comes from the spare's own boot: 3 x 60 + 50 = 230 ms
    spare.crash();
    await jest.advanceTimersByTimeAsync(769);
    expect(h.runs).toHaveLength(2);
    await jest.advanceTimersByTimeAsync(1);
    expect(h.runs).toHaveLength(3);
  });

  it('a spare that dies before its release is dropped, and the restart starts a fresh worker', async () => {
    const h = harness();
    const runner = h.add(quick);
    void runner.start();
    h.last().ready();
    h.last().crash('first');
    h.last().crash('spare died');
    expect(runner.state).toBe('backoff');
    expect(h.named('exit')).toHaveLength(1);
    expect(runner.snapshot().lastError).toEqual({ name: 'Error', message: 'first' });
    await jest.advanceTimersByTimeAsync(100);
    expect(h.runs).toHaveLength(3);
    expect(h.last().spec).toMatchObject({ held: false, restarts: 1 });
    expect(runner.state).toBe('starting');
    h.last().ready();
    expect(runner.state).toBe('running');
  });

  it('a spare that cannot be spawned leaves the restart to spawn its own worker', async () => {
    const h = harness();
    const runner = h.add(quick);
    void runner.start();
    h.last().ready();
    h.failSpawn(new Error('not now'));
    h.last().crash();
    h.failSpawn(undefined);
    expect([runner.state, h.runs.length]).toEqual(['backoff', 1]);
    await jest.advanceTimersByTimeAsync(100);
    expect(h.runs).toHaveLength(2);
    expect(h.last().spec.held).toBe(false);
  });

  it("a stop of the group ends a waiting spare, not counted as the thread's exit", async () => {
    const h = harness({ cooperative: false });
    const a = h.add({ ...quick, shutdownTimeoutMs: 1_000 }, 'a');
    const b = h.add(quick, 'b');
    await Promise.all([h.supervisor.startAll(), flush(() => h.runs.forEach((r) => r.ready()))]);
    h.runs[1]?.crash();
    const spare = h.last();
    const stopping = h.supervisor.stopAll();
    expect(spare).toMatchObject({ terminated: true, released: false });
    await jest.advanceTimersByTimeAsync(1_000);
    await stopping;
    expect([a.state, b.state, h.runs.length]).toEqual(['stopped', 'stopped', 3]);
  });

  it('prepare() boots a held worker that start() releases, and stop() ends', async () => {
    const h = harness();
    const runner = h.add(quick);
    runner.prepare();
    expect(runner.state).toBe('stopped');
    expect(h.last().spec).toMatchObject({ held: true, restarts: 0 });
    const held = h.last();
    const started = runner.start();
    expect([h.runs.length, held.released, runner.state]).toEqual([1, true, 'starting']);
    held.ready();
    await started;
    expect(runner.state).toBe('running');

    const other = h.add(quick, 'other');
    other.prepare();
    other.prepare(); // one held worker, however often
    expect(h.runs).toHaveLength(2);
    await expect(other.stop()).resolves.toEqual({ name: 'other', terminated: false, state: 'stopped' });
    expect(h.last()).toMatchObject({ terminated: true, released: false });
    expect(h.named('exit')).toEqual([]);
    // a thread with restarts counted starts afresh in start(), whose budget reset a held worker cannot know
    h.runs[0]?.crash();
    await runner.stop();
    runner.prepare();
    expect(h.runs).toHaveLength(3); // the restart's spare only, ended by the stop
    expect(h.last()).toMatchObject({ terminated: true });
  });

  it('stops a cooperative run without terminating it, and terminates one that ignores the stop after its timeout', async () => {
    const h = harness({ cooperative: false });
    const runner = h.add({ ...quick, shutdownTimeoutMs: 500 });
    void runner.start();
    h.last().ready();
    const stopping = runner.stop();
    expect(runner.state).toBe('stopping');
    expect(runner.stop()).toBe(stopping);
    await expect(runner.start()).rejects.toMatchObject({ code: 'THREAD_NOT_RUNNING', message: expect.stringContaining('is stopping') });
    await jest.advanceTimersByTimeAsync(499);
    expect(h.last().terminated).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await expect(stopping).resolves.toEqual({ name: 't', terminated: true, state: 'stopped' });
    expect(runner.snapshot().lastExit).toMatchObject({ reason: 'stopped', terminated: true });

    const polite = harness();
    const other = polite.add();
    void other.start();
    polite.last().ready();
    await expect(other.stop()).resolves.toEqual({ name: 't', terminated: false, state: 'stopped' });
  });

  it('answers calls only while running: THREAD_NOT_RUNNING says the state, THREAD_FAILED after a failure', async () => {
    const h = harness();
    const runner = h.add({ ...quick, restart: 'temporary' });
    await expect(runner.request('x', 1)).rejects.toMatchObject({ code: 'THREAD_NOT_RUNNING', details: { state: 'stopped' } });
    void runner.start();
    expect(() => runner.post('x', 1)).toThrow(
      expect.objectContaining({ code: 'THREAD_NOT_RUNNING', message: expect.stringContaining('is starting') }),
    );
    h.last().ready();
    await expect(runner.request('x', 1)).resolves.toEqual({ type: 'x', payload: 1 });
    runner.post('y', 2);
    expect(h.last().posted).toEqual([{ type: 'y', payload: 2 }]);
    h.last().crash('gone');
    await expect(runner.request('x', 1)).rejects.toMatchObject({
      code: 'THREAD_FAILED',
      message: 'Thread "t" has failed and will not be restarted: gone',
    });
  });
});

describe('stall detection', () => {
  it('a run that stops beating is stalled past stallTimeoutMs: one warning, one event, shown in the snapshot; a beat ends it', async () => {
    const h = harness();
    const runner = h.add({ stallTimeoutMs: 1_000 });
    const started = runner.start();
    h.last().ready();
    await started;
    await jest.advanceTimersByTimeAsync(1_000); // four samples: each sees a beat
    expect(runner.snapshot()).toMatchObject({ eventLoopUtilization: 0.25, heapUsedBytes: 4_000_000, uptimeMs: 1_000 });
    expect(runner.snapshot().stalledForMs).toBeUndefined();
    h.last().hanging = true;
    await jest.advanceTimersByTimeAsync(1_000); // the last beat was at +1000: not yet past the timeout
    expect(h.named('stalled')).toEqual([]);
    await jest.advanceTimersByTimeAsync(250);
    expect(h.named('stalled')).toEqual([{ name: 't', stalledForMs: 1_250, restarting: false }]);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(h.named('stalled')).toHaveLength(1); // once per stall
    expect(runner.snapshot()).toMatchObject({ state: 'running', stalledForMs: 3_250, eventLoopUtilization: 1 });
    h.last().hanging = false;
    await jest.advanceTimersByTimeAsync(250);
    expect(h.named('unstalled')).toEqual([{ name: 't', stalledForMs: 3_500 }]);
    expect(runner.snapshot().stalledForMs).toBeUndefined();
    expect(h.runs).toHaveLength(1);
  });

  it("onStall: 'restart' ends a stalled run as a crash with THREAD_STALLED, and the policy restarts it", async () => {
    const h = harness();
    const runner = h.add({ ...quick, stallTimeoutMs: 400, onStall: 'restart' });
    const started = runner.start();
    h.last().ready();
    await started;
    h.last().hanging = true;
    await jest.advanceTimersByTimeAsync(500);
    expect(h.named('stalled')).toEqual([{ name: 't', stalledForMs: 500, restarting: true }]);
    expect(h.named('exit')).toEqual([
      expect.objectContaining({ reason: 'crashed', error: expect.objectContaining({ code: 'THREAD_STALLED' }) }),
    ]);
    expect(runner.state).toBe('backoff');
    expect(runner.snapshot().lastError?.code).toBe('THREAD_STALLED');
    await jest.advanceTimersByTimeAsync(100);
    expect(h.runs).toHaveLength(2);
  });

  it('stallTimeoutMs 0 never reports a stall, yet still samples the heap and event-loop use', async () => {
    const h = harness();
    const runner = h.add({ stallTimeoutMs: 0 });
    const started = runner.start();
    h.last().ready();
    await started;
    h.last().hanging = true;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(h.named('stalled')).toEqual([]);
    expect(runner.snapshot()).toMatchObject({ heapUsedBytes: 4_000_000, eventLoopUtilization: 1 });
  });

  it('stops sampling when the run exits: the snapshot of a stopped thread has no live figures', async () => {
    const h = harness();
    const runner = h.add({ stallTimeoutMs: 400 });
    const started = runner.start();
    h.last().ready();
    await started;
    await jest.advanceTimersByTimeAsync(200);
    await runner.stop();
    h.last().hanging = true;
    await jest.advanceTimersByTimeAsync(5_000);
    expect(h.named('stalled')).toEqual([]);
    const snap = runner.snapshot();
    expect([snap.heapUsedBytes, snap.eventLoopUtilization, snap.stalledForMs, snap.uptimeMs]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('the supervisor', () => {
  it('restarts nothing while the group stops, and refuses a start by hand until the stop is done', async () => {
    const h = harness({ cooperative: false });
    const a = h.add({ ...quick, shutdownTimeoutMs: 1_000 }, 'a');
    const b = h.add({ ...quick, restart: 'permanent' }, 'b');
    expect((await Promise.all([h.supervisor.startAll(), flush(() => h.runs.forEach((r) => r.ready()))]))[0]).toEqual([]);
    const stopping = h.supervisor.stopAll();
    await expect(h.supervisor.start('a')).rejects.toMatchObject({ code: 'SERVICE_STOPPING' });
    h.runs[1]?.crash(); // b crashes while the group stops: not restarted
    expect(b.state).toBe('stopped');
    await jest.advanceTimersByTimeAsync(1_000);
    await stopping;
    expect(a.state).toBe('stopped');
    expect(h.runs).toHaveLength(2);
    // once stopped, a start by hand works again, with restarts
    const again = h.supervisor.start('b');
    h.last().ready();
    await again;
    h.last().exit(0);
    expect(b.state).toBe('backoff');
  });

  it('prepares the autoStart threads for startAll(), and unprepares them without touching a running one', async () => {
    const h = harness();
    h.add({}, 'auto');
    const manual = h.add({ autoStart: false }, 'manual');
    h.supervisor.prepareAll();
    expect(h.runs.map((r) => [r.spec.name, r.spec.held])).toEqual([['auto', true]]);
    const started = manual.start();
    h.last().ready();
    await started;
    await h.supervisor.unprepareAll();
    expect(h.runs.map((r) => [r.spec.name, r.terminated])).toEqual([
      ['auto', true],
      ['manual', false],
    ]);
    expect(manual.state).toBe('running');
  });

  it('reports the autoStart threads that did not start, by name', async () => {
    const h = harness();
    h.add({}, 'good');
    h.add({}, 'bad');
    h.add({ autoStart: false }, 'later');
    const result = h.supervisor.startAll();
    await flush(() => {
      h.runs[0]?.ready();
      h.runs[1]?.exit(1, { name: 'DaebusError', code: 'THREAD_LOAD_FAILED', message: 'broken' });
    });
    await expect(result).resolves.toEqual([{ name: 'bad', error: expect.objectContaining({ code: 'THREAD_LOAD_FAILED' }), exits: false }]);
    expect(h.runs).toHaveLength(2);
  });

  it("reports, not tells onFailed, the start failures it waits for: required threads', and optional ones with onFailure 'exit'", async () => {
    const h = harness();
    h.add({ onFailure: 'exit' }, 'required');
    h.add({ optional: true, onFailure: 'exit' }, 'exits');
    h.add({ optional: true }, 'optional');
    const result = h.supervisor.startAll();
    const broken = { name: 'DaebusError', code: 'THREAD_LOAD_FAILED', message: 'broken' };
    await flush(() => h.runs.forEach((run) => run.exit(1, broken)));
    // before: onFailed (which stops a service whose thread has onFailure 'exit') was told of both, and the optional one was not reported
    await expect(result).resolves.toEqual([
      { name: 'required', error: expect.objectContaining({ code: 'THREAD_LOAD_FAILED' }), exits: true },
      { name: 'exits', error: expect.objectContaining({ code: 'THREAD_LOAD_FAILED' }), exits: true },
    ]);
    expect(h.failed).toEqual(['optional']);
  });
});

/** Run `fn` once the current microtasks have run (after the starts above spawned their runs). */
async function flush(fn: () => void): Promise<void> {
  await Promise.resolve();
  fn();
}
