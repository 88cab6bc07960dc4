// What an app does when started twice, started during a stop, or run beside another app in the
// same process.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daebus, DaebusCaller, MemoryBroker, MemoryTransport, broadcast } from 'daebus';
import { appPerTest } from '../support/app-per-test';
import { captureLogger, fixture, nextEvent, waitFor } from '../support/helpers';

const t = appPerTest('lifecycle');

describe('an app', () => {
  it('refuses a second start under another service name, and keeps answering on its channel', async () => {
    t.app.action('ping', () => ({ pong: true }));
    await t.start();
    await expect(t.start({ service: 'another_name' })).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringContaining(`already started as service "${t.service}"`),
    });
    await expect(t.start()).resolves.toBeUndefined(); // the same service again: nothing to do
    expect(t.app.service).toBe(t.service);
    await expect(t.caller().sendRequest('ping')).resolves.toEqual({ pong: true });
  });

  it('warns, naming it, when a start hook is still running after 10 s: the service is not ready until it returns', async () => {
    let release: (() => void) | undefined;
    t.app.onStart(() => undefined);
    t.app.onStart(() => new Promise<void>((resolve) => (release = resolve)));
    const started = t.start();
    const warned = () => t.records.filter((r) => r.level === 'warn' && String(r.message).includes('start hook'));
    await waitFor(() => warned().length > 0, 'the warning about the start hook', 25_000);
    expect(warned()).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /^The start hook "hook 2" is still running after 10 s: the service is not ready, and app\.start\(\)/,
        ),
      }),
    ]);
    expect(await t.caller().sendRequest('daebus.health')).toMatchObject({ ready: false, starting: true });
    release?.();
    await started;
    expect(await t.caller().sendRequest('daebus.health')).toMatchObject({ ready: true });
  });

  it('says so when a start hook is registered after the start, and runs it at the next start (before: put off without a word)', async () => {
    const ran: string[] = [];
    t.app.onStart(() => void ran.push('early'));
    await t.start();
    t.app.onStart(function late() {
      ran.push('late');
    });
    expect(ran).toEqual(['early']);
    const warned = t.records.filter((r) => r.level === 'warn' && String(r.message).includes('start hook'));
    expect(warned).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /^The start hook "late" was registered after the service had started: it runs at the next start, not now\./,
        ),
      }),
    ]);
    await t.app.stop();
    await t.start();
    expect(ran).toEqual(['early', 'early', 'late']);
    // one registered before a start, or by a hook during it, is not warned about
    expect(t.records.filter((r) => r.level === 'warn' && String(r.message).includes('start hook'))).toHaveLength(1);
  });

  it('refuses to start a thread while it stops, and leaves nothing running after stop() resolves', async () => {
    t.remake({ drainTimeoutMs: 5_000 });
    let releaseHandler!: () => void;
    const held = new Promise<void>((resolve) => (releaseHandler = resolve));
    let handlerRuns = false;
    t.app.action('held', async () => {
      handlerRuns = true;
      await held;
      return {};
    });
    t.app.thread('late', fixture('sleeper.mjs'), { autoStart: false, restart: 'permanent' });
    await t.start();
    const reply = t.caller().sendRequest('held');
    await waitFor(() => handlerRuns, 'the held handler to run');
    const stopping = t.app.stop(); // drains: waits for the held handler
    await expect(t.app.startThread('late')).rejects.toMatchObject({ code: 'SERVICE_STOPPING' });
    await expect(t.app.thread('late').start()).rejects.toMatchObject({ code: 'SERVICE_STOPPING' });
    releaseHandler();
    await reply;
    await stopping;
    expect(t.app.threads.late?.state).toBe('stopped');
  });

  it('starts a thread by hand again once a stop is done', async () => {
    t.app.thread('worker', fixture('sleeper.mjs'));
    await t.start();
    await t.app.stop();
    const started = nextEvent(t.app, 'start');
    await t.app.startThread('worker');
    await started;
    expect(t.app.threads.worker?.state).toBe('running');
  });
});

describe('the "stopped" line', () => {
  const stoppedLines = (): number => t.records.filter((r) => /^Service ".*" stopped/.test(String(r.message))).length;

  it('is not written by a stop of an app that never started (before: "every action finished and every thread returned")', async () => {
    await t.app.stop();
    expect(stoppedLines()).toBe(0);
  });

  it('names the threads that had failed before the stop (before: "every thread returned")', async () => {
    t.app.thread('broken', fixture('no-default.mjs'), { optional: true });
    t.app.thread('fine', fixture('sleeper.mjs'));
    await t.start();
    await waitFor(() => t.app.threads.broken?.state === 'failed', 'the optional thread to fail');
    await t.app.stop();
    expect(t.records.filter((r) => /^Service ".*" stopped/.test(String(r.message))).map((r) => r.message)).toEqual([
      `Service "${t.service}" stopped; every action finished and every running thread returned (failed before the stop: broken)`,
    ]);
  });

  it('names a thread terminated after it returned, waiting for a message handler, as such (before: as one that ignored the stop)', async () => {
    t.app.thread('w', fixture('finishes-messages.mjs'), { shutdownTimeoutMs: 300 });
    await t.start();
    const never = t.app
      .thread('w')
      .request('forever')
      .catch((err: unknown) => err);
    await waitFor(() => t.records.some((r) => r.message === 'forever began'), 'the handler under way');
    await t.app.stop();
    await expect(never).resolves.toMatchObject({ code: 'THREAD_NOT_RUNNING' });
    expect(t.records.filter((r) => /^Service ".*" stopped/.test(String(r.message))).map((r) => r.message)).toEqual([
      `Service "${t.service}" stopped; terminated thread(s) whose stop hooks or message handlers had not ended: w`,
    ]);
  });

  it('is written once when a start fails and the app is stopped after it (before: twice)', async () => {
    t.app.thread('doomed', fixture('throws-on-import.mjs'));
    await expect(t.start()).rejects.toThrow();
    await t.app.stop();
    expect(stoppedLines()).toBe(1);
  });
});

describe("a run's start line", () => {
  it('counts the threads running, and names those registered that are not', async () => {
    t.app.thread('loop', fixture('sleeper.mjs'));
    t.app.thread('later', fixture('sleeper.mjs'), { autoStart: false });
    const service = t.service;
    const exit = t.app.run({ service, transport: t.transport(), handleSignals: false });
    await waitFor(() => t.records.some((r) => String(r.message).includes('running with')), 'the start line');
    // before: "running with 2 thread(s)", counting the thread that was never started
    expect(t.records.find((r) => String(r.message).includes('running with'))?.message).toBe(
      `Service "${service}" running with 1 of 2 thread(s); not running: later (stopped)`,
    );
    await t.app.stop();
    await expect(exit).resolves.toBe(0);
  });
});

describe('run() and a stop asked for during its start', () => {
  it('resolves with the stop’s exit code once the stop is done, as for a signal, when app.stop() comes from a start hook', async () => {
    t.app.thread('loop', fixture('sleeper.mjs'));
    t.app.onStart(() => void t.app.stop());
    const exit = t.app.run({ service: t.service, transport: t.transport(), handleSignals: false });
    // before: 1, with "was stopped before it finished starting" logged as an error, while the stop still ran
    await expect(exit).resolves.toBe(0);
    expect(t.app.threads.loop?.state).toBe('stopped');
    expect(t.records.filter((r) => r.level === 'error').map((r) => r.message)).toEqual([]);
    // the hook returned as it asked for the stop: it was not left running
    expect(t.records.map((r) => r.message)).not.toContainEqual(expect.stringContaining('was still running'));
    expect(process.exitCode).toBe(0);
  });
});

describe('two apps in one process', () => {
  it('each handler, listener and start hook broadcasts on its own app transport', async () => {
    const brokers = [new MemoryBroker(), new MemoryBroker()];
    const apps = brokers.map((_, i) => new Daebus(`app${i}`, { logger: captureLogger().logger }));
    const heard: string[][] = [[], []];
    apps.forEach((app, i) => {
      app.action('announce', async () => ({ receivers: await broadcast.send('news', { from: `app${i}` }) }));
      app.listen('news', (payload) => void heard[i]?.push((payload as { from: string }).from));
      app.listen('poke', () => void broadcast.send('news', { from: `listener of app${i}` }));
      app.onStart(() => void broadcast.send('news', { from: `hook of app${i}` }));
    });
    try {
      await apps[0]?.start({ service: 'svc', transport: new MemoryTransport(brokers[0]) });
      await apps[1]?.start({ service: 'svc', transport: new MemoryTransport(brokers[1]) });
      const callers = brokers.map((b) => new DaebusCaller('svc', { transport: new MemoryTransport(b) }));
      // the first app's handler publishes on the first broker, though the second app started last
      await expect(callers[0]?.sendRequest('announce')).resolves.toEqual({ receivers: 1 });
      await callers[1]?.sendRequest('announce');
      await callers[0]?.sendMessage('poke', {});
      await callers[1]?.sendMessage('poke', {});
      await waitFor(() => heard[0]?.length === 3 && heard[1]?.length === 3, 'three messages on each broker');
      expect(heard[0]?.sort()).toEqual(['app0', 'hook of app0', 'listener of app0']);
      expect(heard[1]?.sort()).toEqual(['app1', 'hook of app1', 'listener of app1']);
      // outside any app's code, with two apps running, the global cannot guess
      await expect(broadcast.send('news', {})).rejects.toMatchObject({
        code: 'INVALID_STATE',
        message: expect.stringContaining('2 services run'),
      });
      await Promise.all(callers.map((c) => c.close()));
    } finally {
      await Promise.all(apps.map((app) => app.stop()));
    }
  });
});

describe('two apps with the same service name on one memory broker', () => {
  let second = captureLogger();
  let other: Daebus | undefined;
  beforeEach(() => {
    second = captureLogger();
  });
  afterEach(async () => {
    await other?.stop();
    other = undefined;
  });

  it('makes the second one warn that every request runs in both, as over Redis', async () => {
    t.app.action('ping', () => ({ pong: 1 }));
    await t.start();
    other = new Daebus('lifecycle_twin', { logger: second.logger });
    other.action('ping', () => ({ pong: 2 }));
    await other.start({ service: t.service, transport: t.transport() });
    expect(second.records).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringContaining(
          `1 other app in this process already subscribes to channel "${t.service}" on the memory transport`,
        ),
        subscribers: 2,
      }),
    );
    expect(t.records.filter((r) => r.level === 'warn')).toEqual([]);
  });

  it('warns of nothing for another service name', async () => {
    await t.start();
    other = new Daebus('lifecycle_other', { logger: second.logger });
    await other.start({ service: `${t.service}_other`, transport: t.transport() });
    expect(second.records.filter((r) => r.level === 'warn')).toEqual([]);
  });
});

/** A memory transport whose connect() waits for the test, and fails if told to. */
class GatedTransport extends MemoryTransport {
  readonly #gate: Promise<void>;
  open!: () => void;
  fail!: (err: Error) => void;
  constructor(broker: MemoryBroker) {
    super(broker);
    this.#gate = new Promise<void>((resolve, reject) => {
      this.open = resolve;
      this.fail = reject;
    });
  }
  override async connect(): Promise<void> {
    await this.#gate;
    await super.connect();
  }
}

describe("an app's start", () => {
  let dir: string;
  let markFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'daebus-start-'));
    markFile = join(dir, 'imports');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const imports = (): number => (existsSync(markFile) ? readFileSync(markFile, 'utf8').trim().split('\n').length : 0);
  const register = () =>
    t.app.thread('marked', fixture('marks-import.mjs'), { env: { ...process.env, MARK_FILE: markFile }, workerData: { ms: 60_000 } });
  const heldBooted = () => t.records.some((r) => r.thread === 'marked' && String(r.message).includes('the worker of its next run booted'));

  it('boots its threads while the transport connects, and runs them only once it has', async () => {
    register();
    const transport = new GatedTransport(t.broker);
    const starting = t.start({ transport });
    await waitFor(heldBooted, 'the held worker to boot');
    expect(imports()).toBe(0); // no user code yet: the module is not even imported
    expect(t.app.threads.marked?.state).toBe('stopped');
    transport.open();
    await starting;
    expect(t.app.threads.marked).toMatchObject({ state: 'running', restarts: 0 });
    expect(imports()).toBe(1);
  });

  it('ends the held workers when the transport cannot connect', async () => {
    register();
    const transport = new GatedTransport(t.broker);
    const starting = t.start({ transport });
    await waitFor(heldBooted, 'the held worker to boot');
    transport.fail(new Error('no bus today'));
    await expect(starting).rejects.toThrow('no bus today');
    // Dismissing a held worker posts it "stop" (it then exits 0, see thread/runtime.ts) and
    // terminates it (code 1): which lands first depends on scheduling, and both end it.
    await waitFor(
      () => t.records.some((r) => r.thread === 'marked' && /ended \(code [01]\) before it was released/.test(String(r.message))),
      'the held worker to end',
    );
    expect(imports()).toBe(0);
    expect(t.app.threads.marked?.state).toBe('stopped');
  });
});
