// Registration: entries, inline functions, names, logging from threads, events.
import { dirname } from 'node:path';
import { fixture, nextEvent, waitFor, type LogRecord } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';
import { defineHandler, defineThread } from 'daebus/thread';

const t = appPerTest('registration');

describe('registration', () => {
  it('refuses a duplicate name, a missing module, a non-file URL and a bad entry', () => {
    t.app.thread('a', fixture('sleeper.mjs'), { autoStart: false });
    expect(() => t.app.thread('a', fixture('sleeper.mjs'))).toThrow(/A thread named "a" is already registered/);
    expect(() => t.app.thread('b', fixture('nope.mjs'))).toThrow(
      /module .*nope\.mjs does not exist.*built as its own entry point beside the bundle/,
    );
    // a package's module given by its name: the way to its path is said (before: only the working directory's rule)
    expect(() => t.app.thread('p', 'typescript/lib/typescript.js')).toThrow(
      /does not exist\..* "typescript\/lib\/typescript\.js" is a package's module \(.*typescript\.js\): give its path, import\.meta\.resolve\('typescript\/lib\/typescript\.js'\)/,
    );
    // a path from the working directory is not taken for one (the first version said so of "dist/worker.js")
    for (const path of ['./nope.mjs', 'nope.mjs', 'dist/worker.js', 'no-such-package/worker']) {
      expect(() => t.app.thread('r', path)).toThrow(/does not exist/);
      expect(() => t.app.thread('r', path)).not.toThrow(/package's module/);
    }
    // a directory exists, but no worker can load it (before: accepted, then THREAD_LOAD_FAILED at the start)
    expect(() => t.app.thread('dir', dirname(fixture('sleeper.mjs')))).toThrow(/fixtures is a directory; give the module's file/);
    expect(() => t.app.thread('c', new URL('https://example.com/x.js'))).toThrow(/must be a file: URL/);
    expect(() => t.app.thread('d', 42 as never)).toThrow(/entry must be a module path, a file URL or a function/);
    // a declaration given where its file or its function belongs is named, with where it goes
    expect(() => t.app.thread('d', defineThread(async () => undefined) as never)).toThrow(
      "(got object). A defineThread() value is a thread module's default export: give that module's path (app.thread('d', './file.js')), " +
        'or the function itself, without defineThread, inline.',
    );
    expect(() => t.app.thread('d', defineHandler(() => 1) as never)).toThrow(
      "A defineHandler() value is a pooled action's export: register it with app.action(name, { module, export }).",
    );
    expect(() => t.app.action('a', defineHandler(() => 1) as never)).toThrow(
      "(a defineHandler() value is a module's export, given by its name)",
    );
    expect(() => t.app.action('a', defineThread(async () => undefined) as never)).toThrow('register it with app.thread()');
    expect(() => t.app.thread('', fixture('sleeper.mjs'))).toThrow(/\(name\): name must be a non-empty string/);
  });

  it('refuses native and bound functions at registration', () => {
    expect(() => t.app.thread('native', Math.max as never)).toThrow(/native or bound function cannot be sent/);
    expect(() => t.app.thread('bound', (() => undefined).bind(null))).toThrow(/native or bound function/);
  });

  it('runs inline functions of every form: arrow, function, async, method shorthand', async () => {
    const holder = {
      shorthand(running: () => boolean, t: { log: { info(m: string): void } }) {
        t.log.info('shorthand ran');
      },
    };
    t.app.thread('arrow', (running, t: { log: { info(m: string): void } }) => t.log.info('arrow ran'));
    t.app.thread('fn', function (running, t: { log: { info(m: string): void } }) {
      t.log.info('function ran');
    });
    t.app.thread('async', async (running, t: { sleep(ms: number): Promise<boolean>; log: { info(m: string): void } }) => {
      await t.sleep(1);
      t.log.info('async ran');
    });
    t.app.thread('shorthand', holder.shorthand);
    await t.app.start();
    await waitFor(() => ['arrow', 'fn', 'async', 'shorthand'].every((n) => t.app.threads[n]?.state === 'completed'), 'all completed');
    const lines = t.records.map((r) => r.message);
    expect(lines).toEqual(expect.arrayContaining(['arrow ran', 'function ran', 'async ran', 'shorthand ran']));
  });

  it('an inline function that uses a variable of its enclosing scope fails when it runs, is not restarted, and says what to do', async () => {
    const outside = 41;
    const failed = nextEvent(t.app, 'failed');
    t.app.thread('scoped', () => outside + 1, { restart: 'permanent' });
    await t.app.start();
    const event = await failed;
    expect(event).toMatchObject({ name: 'scoped', why: 'failed-to-start', error: { code: 'THREAD_INLINE_SCOPE' } });
    expect(event.error?.message).toContain('uses "outside", which is not defined inside the function');
    expect(event.error?.message).toContain('workerData');
    expect(t.app.threads.scoped?.restarts).toBe(0);
  });

  it("an inline function whose import() finds no package fails once, saying it resolves from the library's folder", async () => {
    const failed = nextEvent(t.app, 'failed');
    // written as source: this test file's own import() would be compiled to a require()
    const importing = new Function('running', 't', "return import('daebus-no-such-package-here')") as () => Promise<unknown>;
    t.app.thread('importer', importing, { restart: 'permanent' });
    await t.app.start();
    const event = await failed;
    // before: a crash, restarted five times, naming the library's worker file as the importer
    expect(event).toMatchObject({ name: 'importer', why: 'failed-to-start', error: { code: 'THREAD_INLINE_SCOPE' } });
    expect(event.error?.message).toContain(
      'Inline thread "importer" imports "daebus-no-such-package-here", which is not found from its worker',
    );
    expect(t.app.threads.importer?.restarts).toBe(0);
    // a mistyped built-in likewise (before: a crash, restarted)
    const builtin = nextEvent(t.app, 'failed');
    t.app.thread('builtin', new Function('running', 't', "return import('node:fs_mistyped')") as () => Promise<unknown>);
    expect(await builtin).toMatchObject({ name: 'builtin', why: 'failed-to-start', error: { code: 'THREAD_INLINE_SCOPE' } });
    expect(t.app.threads.builtin?.restarts).toBe(0);
  });

  it("an inline function calling the file's own short helper as go(fn, 'label') fails as undefined, not taken for a minifier's naming helper", async () => {
    const go = (fn: () => number, label: string): string => `${label}: ${fn()}`;
    const failed = nextEvent(t.app, 'failed');
    t.app.thread(
      'short',
      (_running, th) => {
        const line = go(() => 42, 'job');
        th.log.info(line);
      },
      { restart: 'permanent' },
    );
    await t.app.start();
    const event = await failed;
    expect(event).toMatchObject({ name: 'short', error: { code: 'THREAD_INLINE_SCOPE' } });
    expect(event.error?.message).toContain('uses "go", which is not defined inside the function');
    expect(go(() => 1, 'here')).toBe('here: 1');
  });

  it('forwards t.log and directLogger records with the thread name, and passes workerData and env', async () => {
    t.app.thread('reporter', fixture('reports.mjs'), { workerData: { answer: 42 }, env: { DAEBUS_TEST_VAR: 'set' } });
    await t.app.start();
    await waitFor(() => t.app.threads.reporter?.state === 'completed', 'reporter completed');
    expect(t.records.find((r) => r.message === 'direct')).toMatchObject({
      level: 'info',
      thread: 'reporter',
      workerData: { answer: 42 },
      env: 'set',
    });
    expect(t.records.find((r) => r.message === 'through t')).toMatchObject({ level: 'warn', thread: 'reporter', name: 'reporter' });
  });

  it('logs at silly from a thread, through t.log and directLogger, as the main side can (before: no such method in a thread)', async () => {
    t.app.logger.level = 'silly';
    t.app.thread('reporter', fixture('reports.mjs'));
    await t.app.start();
    await waitFor(() => t.app.threads.reporter?.state === 'completed', 'reporter completed');
    expect(t.records.filter((r) => r.thread === 'reporter' && r.level === 'silly').map((r) => r.message)).toEqual([
      'silly through t',
      'silly direct',
    ]);
  });

  it('keeps the other fields of a thread record whose metadata holds a value that cannot be cloned, that value as JSON writes it (before: the whole metadata as one JSON string)', async () => {
    t.app.thread(
      'odd_meta',
      (_running, th) => {
        th.log.info('odd meta', { f: () => 1, p: Promise.resolve(1), keep: 1, nested: { n: 2 }, list: [1, () => 2] });
      },
      { restart: 'temporary' },
    );
    await t.app.start();
    await waitFor(() => t.app.threads.odd_meta?.state === 'completed', 'the thread to end');
    const record = t.records.find((r) => r.message === 'odd meta');
    expect(record).toMatchObject({ thread: 'odd_meta', keep: 1, nested: { n: 2 }, p: {}, list: [1, null] });
    expect(record).not.toHaveProperty('f');
    expect(record).not.toHaveProperty('meta');
  });

  it("sends the records of the main entry's directLogger and logger, imported in a thread, to the app's logger with the thread name", async () => {
    t.app.thread('main_entry', fixture('main-entry-logger.mjs'), { restart: 'temporary' });
    await t.app.start();
    await waitFor(() => t.app.threads.main_entry?.state === 'completed', 'the thread to end');
    const fromThread = t.records.filter((r) => r.thread === 'main_entry');
    expect(fromThread).toContainEqual(expect.objectContaining({ level: 'info', message: 'main-entry directLogger', n: 1 }));
    expect(fromThread).toContainEqual(expect.objectContaining({ level: 'warn', message: 'main-entry logger' }));
    expect(fromThread).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'main-entry boom',
        error: expect.objectContaining({ name: 'RangeError', stack: expect.stringContaining('main-entry-logger.mjs') }),
      }),
    );
    // at the app logger's level (debug here), as the thread's own records
    expect(t.records.some((r) => r.message === 'main-entry silly')).toBe(false);
  });

  it("sends the records of the main entry's directLogger, imported in a pooled handler's module, to the app's logger", async () => {
    t.app.action('main_entry_logs', { module: fixture('main-entry-logger.mjs'), export: 'pooled' });
    await t.start();
    await t.caller().sendRequest('main_entry_logs', { tag: 'p1' });
    expect(t.records).toContainEqual(expect.objectContaining({ message: 'main-entry directLogger in a pooled call', tag: 'p1' }));
  });

  it('says, where a pooled handler reads the request global, what the handler has instead (before: "inside app.action(...)", where it was)', async () => {
    t.app.action('reads_request', { module: fixture('main-entry-logger.mjs'), export: 'readsRequest' });
    await t.start();
    await expect(t.caller().sendRequest('reads_request')).rejects.toMatchObject({
      message: expect.stringMatching(
        /^request.payload is only available on the main thread[^]*a pooled handler gets its request as \(payload, ctx\)/,
      ),
    });
  });

  it('says, where a worker uses the broadcast or cache global, what it has instead (before: "no service is started in this process")', async () => {
    t.app.action('uses_globals', { module: fixture('main-entry-logger.mjs'), export: 'usesServiceGlobals' });
    await t.start();
    const refusals = (await t.caller().sendRequest('uses_globals')) as string[];
    expect(refusals).toEqual([
      expect.stringMatching(
        /^broadcast\.send\(\) works on the main thread[^]*t\.broadcast\(channel, payload\) \(ctx\.broadcast in a pooled handler\)/,
      ),
      expect.stringMatching(/^cache works on the main thread[^]*a client of your own/),
    ]);
  });

  it('says that a service on the in-memory transport is reachable from this process only', async () => {
    await t.start();
    expect(t.records.map((r) => r.message)).toContain(
      `Service "${t.service}" listening on memory (this process only: set REDIS_URL, or run({ redis }), for other processes to call it)`,
    );
  });

  it("t.log.error(err) logs the error's message with the error, stack included", async () => {
    t.app.thread('errs', (running, t: { log: { error(e: Error): void } }) => t.log.error(new RangeError('thread boom')));
    await t.app.start();
    const fromThread = (): LogRecord | undefined => t.records.find((r) => r.thread === 'errs' && r.level === 'error');
    await waitFor(() => fromThread() !== undefined, 'the record');
    expect(fromThread()).toMatchObject({
      level: 'error',
      message: 'thread boom',
      error: { name: 'RangeError', message: 'thread boom', stack: expect.stringContaining('RangeError: thread boom\n    at ') },
    });
  });

  it("keeps the code of an Error in a thread's log metadata", async () => {
    t.app.thread('coded', (running, t: { log: { error(m: string, meta: unknown): void } }) => {
      const err = Object.assign(new Error('with a code'), { code: 'THREAD_CODE' });
      t.log.error('coded failure', { error: err, other: 1 });
    });
    await t.app.start();
    const record = (): LogRecord | undefined => t.records.find((r) => r.thread === 'coded' && r.message === 'coded failure');
    await waitFor(() => record() !== undefined, 'the record');
    // structured clone dropped the code on the way from the thread
    expect(record()).toMatchObject({ other: 1, error: { name: 'Error', message: 'with a code', code: 'THREAD_CODE' } });
  });

  it('emits start, exit and stop events; a listener that throws is logged and changes nothing', async () => {
    const seen: string[] = [];
    t.app.on('start', (e) => seen.push(`start ${e.name}`));
    t.app.on('start', () => {
      throw new Error('listener bug');
    });
    t.app.on('exit', (e) => seen.push(`exit ${e.name} ${e.reason}`));
    t.app.on('stop', (e) => seen.push(`stop ${e.name}`));
    t.app.thread('s', fixture('sleeper.mjs'));
    await t.app.start();
    await t.app.stopThread('s');
    expect(seen).toEqual(['start s', 'exit s stopped', 'stop s']);
    expect(t.records.some((r) => r.level === 'error' && r.message.includes('A listener of the "start" event threw: listener bug'))).toBe(
      true,
    );
  });

  it('logs an async listener that rejects, as one that throws, and leaves no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      t.app.on('start', async () => {
        await Promise.resolve();
        throw new Error('async listener bug');
      });
      t.app.thread('s', fixture('sleeper.mjs'));
      await t.app.start();
      await waitFor(
        () => t.records.some((r) => r.message.includes('A listener of the "start" event threw: async listener bug')),
        'the log',
      );
      await new Promise((resolve) => setImmediate(resolve));
      // before, the rejection went unhandled: a process without a handler for them (start(), not run()) ended
      expect(unhandled).toEqual([]);
      expect(t.records.find((r) => r.message.includes('async listener bug'))).toMatchObject({ level: 'error' });
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('never loses the last record of a thread that logs and returns at once', async () => {
    t.app.thread('brief', (running, t: { log: { info(m: string): void } }) => t.log.info('bye'), { autoStart: false });
    for (let i = 0; i < 50; i++) {
      const exited = nextEvent(t.app, 'exit');
      await t.app.startThread('brief');
      await exited;
    }
    expect(t.records.filter((r) => r.message === 'bye')).toHaveLength(50);
  });

  it('starts a thread registered while the service runs', async () => {
    await t.app.start();
    const started = nextEvent(t.app, 'start');
    t.app.thread('late', fixture('sleeper.mjs'));
    await expect(started).resolves.toMatchObject({ name: 'late' });
  });
});
