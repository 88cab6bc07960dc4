// Registration: entries, inline functions, names, logging from threads, events.
import { Daebus } from 'daebus';
import { captureLogger, fixture, nextEvent, waitFor } from '../support/helpers';

let app: Daebus;
let records: ReturnType<typeof captureLogger>['records'];

beforeEach(() => {
  const captured = captureLogger();
  records = captured.records;
  app = new Daebus('registration', { logger: captured.logger });
});

afterEach(async () => {
  await app.stop({ timeoutMs: 1_000 });
});

describe('registration', () => {
  it('refuses a duplicate name, a missing module, a non-file URL and a bad entry', () => {
    app.thread('a', fixture('sleeper.mjs'), { autoStart: false });
    expect(() => app.thread('a', fixture('sleeper.mjs'))).toThrow(/A thread named "a" is already registered/);
    expect(() => app.thread('b', fixture('nope.mjs'))).toThrow(/module .*nope\.mjs does not exist/);
    expect(() => app.thread('c', new URL('https://example.com/x.js'))).toThrow(/must be a file: URL/);
    expect(() => app.thread('d', 42 as never)).toThrow(/entry must be a module path, a file URL or a function/);
    expect(() => app.thread('', fixture('sleeper.mjs'))).toThrow(/\(name\): name must be a non-empty string/);
  });

  it('refuses native and bound functions at registration', () => {
    expect(() => app.thread('native', Math.max as never)).toThrow(/native or bound function cannot be sent/);
    expect(() => app.thread('bound', (() => undefined).bind(null))).toThrow(/native or bound function/);
  });

  it('runs inline functions of every form: arrow, function, async, method shorthand', async () => {
    const holder = {
      shorthand(running: () => boolean, t: { log: { info(m: string): void } }) {
        t.log.info('shorthand ran');
      },
    };
    app.thread('arrow', (running, t: { log: { info(m: string): void } }) => t.log.info('arrow ran'));
    app.thread('fn', function (running, t: { log: { info(m: string): void } }) {
      t.log.info('function ran');
    });
    app.thread('async', async (running, t: { sleep(ms: number): Promise<boolean>; log: { info(m: string): void } }) => {
      await t.sleep(1);
      t.log.info('async ran');
    });
    app.thread('shorthand', holder.shorthand);
    await app.start();
    await waitFor(() => ['arrow', 'fn', 'async', 'shorthand'].every((n) => app.threads[n]?.state === 'completed'), 'all completed');
    const lines = records.map((r) => r.message);
    expect(lines).toEqual(expect.arrayContaining(['arrow ran', 'function ran', 'async ran', 'shorthand ran']));
  });

  it('an inline function that uses a variable of its enclosing scope fails at start and says what to do', async () => {
    const outside = 41;
    const failed = nextEvent(app, 'failed');
    app.thread('scoped', () => outside + 1, { restart: 'permanent' });
    await app.start();
    const event = await failed;
    expect(event).toMatchObject({ name: 'scoped', why: 'failed-to-start', error: { code: 'THREAD_INLINE_SCOPE' } });
    expect(event.error?.message).toContain('uses "outside", which is not defined inside the function');
    expect(event.error?.message).toContain('workerData');
    expect(app.threads.scoped?.restarts).toBe(0);
  });

  it('forwards t.log and directLogger records with the thread name, and passes workerData and env', async () => {
    app.thread('reporter', fixture('reports.mjs'), { workerData: { answer: 42 }, env: { DAEBUS_TEST_VAR: 'set' } });
    await app.start();
    await waitFor(() => app.threads.reporter?.state === 'completed', 'reporter completed');
    expect(records.find((r) => r.message === 'direct')).toMatchObject({
      level: 'info',
      thread: 'reporter',
      workerData: { answer: 42 },
      env: 'set',
    });
    expect(records.find((r) => r.message === 'through t')).toMatchObject({ level: 'warn', thread: 'reporter', name: 'reporter' });
  });

  it('emits start, exit and stop events; a listener that throws is logged and changes nothing', async () => {
    const seen: string[] = [];
    app.on('start', (e) => seen.push(`start ${e.name}`));
    app.on('start', () => {
      throw new Error('listener bug');
    });
    app.on('exit', (e) => seen.push(`exit ${e.name} ${e.reason}`));
    app.on('stop', (e) => seen.push(`stop ${e.name}`));
    app.thread('s', fixture('sleeper.mjs'));
    await app.start();
    await app.stopThread('s');
    expect(seen).toEqual(['start s', 'exit s stopped', 'stop s']);
    expect(records.some((r) => r.level === 'error' && r.message.includes('A listener of the "start" event threw: listener bug'))).toBe(
      true,
    );
  });

  it('never loses the last record of a thread that logs and returns at once', async () => {
    app.thread('brief', (running, t: { log: { info(m: string): void } }) => t.log.info('bye'), { autoStart: false });
    for (let i = 0; i < 50; i++) {
      const exited = nextEvent(app, 'exit');
      await app.startThread('brief');
      await exited;
    }
    expect(records.filter((r) => r.message === 'bye')).toHaveLength(50);
  });

  it('starts a thread registered while the service runs', async () => {
    await app.start();
    const started = nextEvent(app, 'start');
    app.thread('late', fixture('sleeper.mjs'));
    await expect(started).resolves.toMatchObject({ name: 'late' });
  });
});
