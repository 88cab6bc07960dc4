// The default logger's level and format as a service's environment sets them, in a real
// process: a level in any case (Python services write LOG_LEVEL=DEBUG), and a typo that must not
// silence the service.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const packageRoot = join(__dirname, '..', '..');

/** What a process that logs one error and one debug line through `directLogger` prints, with `env` set. */
async function logsWith(env: Record<string, string>): Promise<string> {
  const script = "const { directLogger: log } = require('daebus'); log.error('an error line'); log.debug('a debug line');";
  const { stdout } = await run(process.execPath, ['-e', script], {
    cwd: packageRoot,
    env: { ...process.env, LOG_FORMAT: 'text', NO_COLOR: '', ...env },
  });
  return stdout;
}

/** The lines a process prints that runs `script` with `directLogger` as `log` and `DaebusError` in scope. */
async function linesOf(script: string, env: Record<string, string>): Promise<string> {
  const prelude = "const { directLogger: log, DaebusError } = require('daebus');";
  const { stdout } = await run(process.execPath, ['-e', `${prelude} ${script}`], { cwd: packageRoot, env: { ...process.env, ...env } });
  return stdout;
}

describe('the default logger', () => {
  it('takes LOG_LEVEL in any case, and Python names', async () => {
    expect(await logsWith({ LOG_LEVEL: 'ERROR' })).toContain('error an error line');
    expect(await logsWith({ LOG_LEVEL: 'ERROR' })).not.toContain('a debug line');
    expect(await logsWith({ LOG_LEVEL: 'DEBUG' })).toContain('debug a debug line');
    expect(await logsWith({ LOG_LEVEL: 'WARNING' })).toContain('error an error line');
  });

  it('logs at info, and says why, when LOG_LEVEL names no level', async () => {
    const out = await logsWith({ LOG_LEVEL: 'bogus' });
    expect(out).toContain('LOG_LEVEL="bogus" is not a log level: logging at info.');
    expect(out).toContain('error an error line');
    expect(out).not.toContain('a debug line');
  });

  it('writes no colour codes when output is not a terminal', async () => {
    // eslint-disable-next-line no-control-regex
    expect(await logsWith({ LOG_LEVEL: 'info' })).not.toMatch(/\u001b\[/);
  });

  it('writes an Error in the metadata of a JSON record with its name, message, code and stack', async () => {
    const out = await linesOf("log.error('x', { error: new TypeError('boom'), cause: new DaebusError('TIMEOUT', 'too late') });", {
      LOG_FORMAT: 'json',
    });
    const record = JSON.parse(out) as Record<string, Record<string, string>>;
    expect(record.error).toMatchObject({ name: 'TypeError', message: 'boom', stack: expect.stringContaining('TypeError: boom\n    at ') });
    expect(record.cause).toMatchObject({
      name: 'DaebusError',
      code: 'TIMEOUT',
      message: 'too late',
      stack: expect.stringContaining('at '),
    });
  });

  it('writes Errors nested in the metadata too, and leaves the objects it was given alone', async () => {
    const script =
      "const ctx = { err: new RangeError('deep') }; log.error('x', { ctx, list: [1, new Error('in a list')] }); log.info('same', { same: ctx.err instanceof Error });";
    const [first, second] = (await linesOf(script, { LOG_FORMAT: 'json' })).trim().split('\n');
    const record = JSON.parse(first ?? '') as { ctx: { err: Record<string, string> }; list: unknown[] };
    // before, both were written as {}
    expect(record.ctx.err).toMatchObject({ name: 'RangeError', message: 'deep', stack: expect.stringContaining('RangeError: deep') });
    expect(record.list).toEqual([1, expect.objectContaining({ name: 'Error', message: 'in a list' })]);
    expect(JSON.parse(second ?? '')).toMatchObject({ same: true });
  });

  it("writes an error's code, cause and gathered errors in text lines too (before: its own stack only)", async () => {
    const script =
      "const inner = Object.assign(new Error('ECONNRESET from db'), { code: 'E_DB' });" +
      "const err = new Error('save failed', { cause: inner });" +
      "log.error('x', { error: err }); log.error('y', { error: new AggregateError([new Error('a'), new Error('b')], 'both') });";
    const out = await linesOf(script, { LOG_FORMAT: 'text', NO_COLOR: '1' });
    expect(out).toMatch(/error x\nError: save failed\n {4}at /);
    expect(out).toMatch(/\n\[cause\]: Error: ECONNRESET from db \[E_DB\]\n {6}at /);
    expect(out).toMatch(/\n\[errors\]\[0\]: Error: a\n/);
    expect(out).toMatch(/\n\[errors\]\[1\]: Error: b\n/);
  });

  it('shows the control characters of a text line, not obeys them: a name from outside cannot retitle or clear the terminal', async () => {
    const out = await linesOf("log.warn('Rejected a request for \"x\\u001b]0;PWNED\\u0007\\u001b[2J\"', { action: '\\u009b31m' });", {
      LOG_FORMAT: 'text',
      NO_COLOR: '1',
    });
    // eslint-disable-next-line no-control-regex -- what must not be there
    expect(out).not.toMatch(/[\u001b\u0007\u009b]/);
    expect(out).toContain('Rejected a request for "x\\u001b]0;PWNED\\u0007\\u001b[2J" {"action":"\\u009b31m"}');
  });

  it('takes LOG_FORMAT in any case', async () => {
    expect(await linesOf("log.info('a text line');", { LOG_FORMAT: 'TEXT', NO_COLOR: '1' })).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} info a text line\n$/,
    );
  });

  it('says once, naming the accepted values, when LOG_FORMAT names no format', async () => {
    // two loggers, one warning
    const out = await linesOf("require('daebus').createLogger(); log.info('a line');", { LOG_FORMAT: 'xml' });
    const warnings = out.split('\n').filter((line) => line.includes('LOG_FORMAT'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? '')).toMatchObject({
      level: 'warn',
      message: 'LOG_FORMAT="xml" is not a log format: ignored. Use json or text (unset: JSON lines unless output is a terminal).',
    });
    expect(out).toContain('"message":"a line"');
  });

  it('says once when LOG_LEVEL names no level, however many loggers are made (before: once per logger)', async () => {
    const out = await linesOf("require('daebus').createLogger({ json: true }); log.info('a line');", {
      LOG_LEVEL: 'bogus',
      LOG_FORMAT: 'json',
    });
    expect(out.split('\n').filter((line) => line.includes('LOG_LEVEL'))).toHaveLength(1);
    expect(out).toContain('"message":"a line"');
  });

  it('says on stderr what a transport reports through its callback when the app does not listen, the first of a second in full and the rest counted (before: winston threw it at whoever logged; then the count waited for a later failure)', async () => {
    const script = `
      const { Daebus, DaebusCaller } = require('daebus');
      const { Transport, createLogger } = require('winston');
      let n = 0;
      class Full extends Transport {
        log(info, done) { if (String(info.message).startsWith('fail')) return done(new Error('disk full ' + ++n)); process.stdout.write(info.message + '\\n'); done(); }
      }
      const app = new Daebus('reported', { logger: createLogger({ transports: [new Full()] }) });
      app.action('say', () => { app.logger.info('fail in a handler'); return 'ok'; });
      app.onStart(async () => {
        app.logger.info('fail in a hook');
        const caller = new DaebusCaller('reported');
        process.stdout.write('reply ' + JSON.stringify(await caller.sendRequest('say', {})) + '\\n');
        await caller.close();
        app.logger.info('after the failures');
        setTimeout(() => process.kill(process.pid, 'SIGINT'), 20);
      });
      app.run({ transport: 'memory' });
    `;
    const { stdout, stderr } = await run(process.execPath, ['-e', script], {
      cwd: packageRoot,
      env: { ...process.env, LOG_FORMAT: 'json' },
    });
    expect(stdout).toContain('reply "ok"');
    expect(stdout).toContain('after the failures');
    expect(stdout).toContain('stopped');
    expect(stderr.split('\n').filter((line) => line.startsWith('daebus: '))).toEqual([
      "daebus: a transport of the app's logger (Full) failed: disk full 1. Listen for the logger's 'error' event to handle these yourself.",
      "daebus: a transport of the app's logger (Full) failed 1 more time(s) in a second, not said each; the last: disk full 2.",
    ]);
  });

  it("stamps a thread's record with the time the thread logged it, not the later time the main thread wrote it", async () => {
    // the main thread is held while the thread logs, and after: the record is written after \`released\`
    const script = `
      const { Daebus } = require('daebus');
      const flags = new Int32Array(new SharedArrayBuffer(12)); // ready, go, logged
      const app = new Daebus('stamped');
      app.thread('early', (running, t) => {
        const f = t.workerData.flags;
        Atomics.store(f, 0, 1);
        Atomics.wait(f, 1, 0);
        t.log.info('from the thread');
        Atomics.store(f, 2, 1);
      }, { restart: 'temporary', workerData: { flags } });
      const poll = setInterval(() => {
        if (Atomics.load(flags, 0) === 0) return;
        clearInterval(poll);
        Atomics.store(flags, 1, 1);
        Atomics.notify(flags, 1);
        while (Atomics.load(flags, 2) === 0);
        const released = Date.now();
        while (Date.now() < released + 30);
        process.stdout.write(JSON.stringify({ released }) + '\\n');
        setTimeout(() => process.kill(process.pid, 'SIGINT'), 50);
      }, 1);
      app.run({ transport: 'memory' });
    `;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: packageRoot, env: { ...process.env, LOG_FORMAT: 'json' } });
    const lines = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { message?: string; timestamp?: string; released?: number });
    const released = lines.find((l) => l.released !== undefined)?.released ?? NaN;
    const record = lines.find((l) => l.message === 'from the thread');
    expect(Date.parse(record?.timestamp ?? '')).toBeLessThanOrEqual(released);
  });

  it('drops only the record a transport of the app logger threw on, and says so once on stderr (before: winston held every later record, and the throw reached whoever logged)', async () => {
    // thrown in a handler, in a start hook and from a timer: the caller gets its reply, later records (the stop's too) are written
    const script = `
      const { Daebus, DaebusCaller } = require('daebus');
      const { Transport, createLogger } = require('winston');
      class Bad extends Transport {
        log(info, done) { if (String(info.message).includes('boom')) throw new Error('transport exploded'); process.stdout.write(info.message + '\\n'); done(); }
      }
      const app = new Daebus('broken_transport', { logger: createLogger({ transports: [new Bad()] }) });
      app.action('say', () => { app.logger.info('boom in a handler'); return 'ok'; });
      app.onStart(async () => {
        app.logger.info('boom in a hook');
        app.logger.info('after the hook');
        const caller = new DaebusCaller('broken_transport');
        process.stdout.write('reply ' + JSON.stringify(await caller.sendRequest('say', {})) + '\\n');
        await caller.close();
        setTimeout(() => { app.logger.info('boom in a timer'); setTimeout(() => process.kill(process.pid, 'SIGINT'), 20); }, 20);
      });
      app.run({ transport: 'memory' });
    `;
    // execFile rejects unless the exit code is 0
    const { stdout, stderr } = await run(process.execPath, ['-e', script], {
      cwd: packageRoot,
      env: { ...process.env, LOG_FORMAT: 'json' },
    });
    expect(stdout).toContain('after the hook');
    expect(stdout).toContain('reply "ok"');
    expect(stdout).toContain('stopped');
    expect(stdout).not.toContain('boom');
    const told = stderr.split('\n').filter((line) => line.startsWith('daebus: a transport of'));
    expect(told).toEqual([
      expect.stringContaining(
        "daebus: a transport of the app's logger (Bad) threw (transport exploded) as it wrote: what it was writing may be lost",
      ),
    ]);
    expect(stderr).toContain('at Bad.log');
  });
});
