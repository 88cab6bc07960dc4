// What the built `daebus` bin writes when its stdout goes away or fails, and how the usage
// errors commander finds itself look. `listen` needs no service; `watch` watches one run in this process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Daebus, response } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';
import { BIN, cleanEnv, startCli, type Ran } from '../support/cli-process';

jest.setTimeout(60_000);

/** Start `daebus ...args` on the test Redis; stdout is a pipe unless `stdout` is a file descriptor. */
function start(args: string[], stdout: number | 'pipe' = 'pipe'): ReturnType<typeof startCli> {
  return startCli(args, { stdout });
}

function daebus(args: string[]): Promise<Ran> {
  return start(args).done;
}

/** Close our end of the child's stdout, as `| head` does once it has read enough. */
function closeReader(child: ChildProcess): void {
  child.stdout?.destroy();
}

const apps: Daebus[] = [];
afterEach(() => Promise.all(apps.splice(0).map((app) => app.stop())));

/** A service in this process on the test Redis (stopped after the test); `setup` registers its handlers. */
async function serve(
  prefix: string,
  setup: (app: Daebus, service: string) => void = () => undefined,
): Promise<{ app: Daebus; service: string }> {
  const service = `${prefix}_${randomUUID()}`;
  const app = new Daebus('cli_output', { logger: captureLogger().logger });
  setup(app, service);
  apps.push(app);
  await app.start({ service, redis: TEST_REDIS_URL });
  return { app, service };
}

/** Run `daebus ...args` with `input` on its stdin. */
function fed(args: string[], input: string | Buffer): Promise<Ran> {
  const child = spawn(process.execPath, [BIN, '--redis', TEST_REDIS_URL, ...args], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Ran = { code: null, stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.once('close', (code) => resolve({ ...out, code })));
}

describe('when the reader of stdout goes away (EPIPE)', () => {
  it('listen stops quietly and exits 0', async () => {
    const channel = `cli_channel_${randomUUID()}`;
    const listen = start(['listen', channel]);
    await waitFor(() => listen.out.stderr.includes('listening on'), 'the subscription');
    await daebus(['send', channel, '{"n": 1}']);
    await waitFor(() => listen.out.stdout.includes('{"n": 1}'), 'the first message');
    closeReader(listen.child);
    // the next messages are written into the closed pipe
    await daebus(['send', channel, '{"n": 2}']);
    await daebus(['send', channel, '{"n": 3}']);
    const ran = await listen.done;
    expect(ran.stderr).toBe(`listening on "${channel}" at ${TEST_REDIS_URL}; Ctrl-C to stop\n`);
    expect(ran.code).toBe(0);
  });

  it('watch stops quietly and exits 0', async () => {
    // watch wants a service that answers at first: one in this process
    const { service } = await serve('cli_watched');
    const watch = start(['watch', service, '--interval', '50']);
    await waitFor(() => watch.out.stdout.includes('health'), 'the first block');
    closeReader(watch.child);
    const ran = await watch.done;
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
  });
});

describe('when the reader of stderr goes away (EPIPE)', () => {
  it('call still prints the reply on stdout and exits 0 (its progress lines go nowhere)', async () => {
    const { service } = await serve('cli_progress', (app) =>
      app.action('steps', async () => {
        for (let i = 1; i <= 20; i++) {
          await response.progress(i * 5, { step: i });
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        return { done: true };
      }),
    );
    const call = start(['call', service, 'steps']);
    call.child.stderr?.destroy(); // before: an uncaught EPIPE at the first progress line, status 1
    const ran = await call.done;
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.stdout)).toEqual({ done: true });
  });
});

describe('a payload on stdin (-)', () => {
  it('call and send read it to its end: one over the 128 KiB a command-line argument may hold', async () => {
    const heard: unknown[] = [];
    const { service } = await serve('cli_stdin', (app, name) => {
      app.action('size', (payload: { text?: string }) => ({ length: payload.text?.length ?? 0 }));
      app.listen(`${name}.events`, (message) => void heard.push(message));
    });
    const called = await fed(['call', service, 'size', '-'], JSON.stringify({ text: 'x'.repeat(300_000) }));
    expect(called).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(called.stdout)).toEqual({ length: 300_000 });
    expect(await fed(['send', `${service}.events`, '-'], '{"n": 1}\n')).toMatchObject({ code: 0, stdout: '1\n' });
    await waitFor(() => heard.length === 1, 'the message sent from stdin');
    // what is not JSON is said, cut to its first 200 characters
    const bad = await fed(['call', service, 'size', '-'], `{${'y'.repeat(10_000)}`);
    expect(bad.code).toBe(2);
    expect(bad.stderr.length).toBeLessThan(500);
  });

  it('stdin that is not valid UTF-8 is refused (exit 2), --raw or not, nothing sent', async () => {
    const { service } = await serve('cli_stdin_utf8', (app) => app.action('size', () => ({ length: 0 })));
    // "café" in Latin-1: before, sent with U+FFFD in place of the é, exit 0 and no word
    const latin1 = Buffer.from('{"t": "caf\u00e9"}', 'latin1');
    for (const args of [
      ['send', `${service}.events`, '-'],
      ['send', `${service}.events`, '-', '--raw'],
      ['call', service, 'size', '-'],
    ]) {
      const ran = await fed(args, latin1);
      expect(ran).toMatchObject({ code: 2, stdout: '' });
      expect(ran.stderr).toMatch(/^daebus: The (message|payload) read from stdin is not valid UTF-8 text; convert it first/);
    }
  });

  it('empty stdin is refused saying so (exit 2), nothing sent; --raw sends it as it is', async () => {
    const { service } = await serve('cli_stdin_empty', (app) => app.action('size', () => ({ length: 0 })));
    for (const args of [
      ['send', `${service}.events`, '-'],
      ['call', service, 'size', '-'],
    ]) {
      const ran = await fed(args, '\n');
      // before: "The payload is not valid JSON (Unexpected end of JSON input): " and nothing after it
      expect(ran).toMatchObject({
        code: 2,
        stdout: '',
        stderr: expect.stringMatching(/^daebus: The (message|payload) is empty: give a JSON object/),
      });
    }
    expect(await fed(['send', `${service}.events`, '-', '--raw'], '')).toMatchObject({ code: 0, stdout: '0\n' });
  });
});

describe('threads', () => {
  it('says a service has no threads rather than printing a header over nothing', async () => {
    const { service } = await serve('cli_no_threads', (app) => app.action('size', () => ({ length: 0 })));
    expect(await daebus(['threads', service])).toMatchObject({ code: 0, stdout: 'no threads\n', stderr: '' });
    expect(JSON.parse((await daebus(['threads', service, '--json'])).stdout)).toMatchObject({ threads: [] });
  });
});

describe('ping', () => {
  it('stops pinging once the reader of stdout has gone, as Ctrl-C would', async () => {
    const { app, service } = await serve('cli_pinged');
    const ping = start(['ping', service, '--count', '100', '--interval', '50']);
    await waitFor(() => ping.out.stdout.includes('ping 1:'), 'the first ping');
    closeReader(ping.child);
    expect((await ping.done).code).toBe(0);
    // before: all 100 were sent into the closed pipe
    const pings = /daebus_requests_total\{action="daebus.ping",outcome="ok"\} (\d+)/.exec(await app.metrics());
    expect(Number(pings?.[1])).toBeLessThan(10);
  });

  it('says that nobody listens when the service has gone, not that a ping timed out', async () => {
    const { app, service } = await serve('cli_pinged');
    const ping = start(['ping', service, '--count', '3', '--interval', '300']);
    await waitFor(() => ping.out.stdout.includes('ping 1:'), 'the first ping');
    await app.stop();
    const ran = await ping.done;
    expect(ran.stdout).toContain(`ping 3: nobody listens on "${service}" now`);
    expect(ran.stdout).toMatch(/3 sent, [12] answered/);
    expect(ran.code).toBe(3);
  });
});

describe('when stdout fails otherwise', () => {
  const full = '/dev/full';
  const itHasDevFull = existsSync(full) ? it : it.skip;

  itHasDevFull('says so on one line and exits 1', async () => {
    const fd = openSync(full, 'w');
    try {
      const ran = await start(['send', `cli_channel_${randomUUID()}`, '{}'], fd).done;
      expect(ran.stderr).toBe('daebus: cannot write to stdout: ENOSPC: no space left on device, write\n');
      expect(ran.code).toBe(1);
    } finally {
      closeSync(fd);
    }
  });

  itHasDevFull('--help says so too and exits 1 (before: 0)', async () => {
    const fd = openSync(full, 'w');
    try {
      const ran = await start(['--help'], fd).done;
      expect(ran.stderr).toContain('daebus: cannot write to stdout: ENOSPC');
      expect(ran.code).toBe(1);
    } finally {
      closeSync(fd);
    }
  });
});

describe("commander's usage errors", () => {
  const hint = '(add --help for usage)';

  it.each([
    [['frobnicate'], `daebus: unknown command 'frobnicate' ${hint}\n`],
    [['cal', 'orders', 'echo'], `daebus: unknown command 'cal' (Did you mean call?) ${hint}\n`],
    [['info', 'orders', '--bogus'], `daebus: unknown option '--bogus' ${hint}\n`],
    [['call', 'orders'], `daebus: missing required argument 'action' ${hint}\n`],
    [
      ['ping', 'orders', '--count', 'many'],
      `daebus: option '-c, --count <n>' argument 'many' is invalid. expected a whole number from 1 to 2147483647, in digits, got "many". ${hint}\n`,
    ],
    // a count is no time: before, "(about 24.8 days)"
    [
      ['ping', 'orders', '--count', '99999999999'],
      `daebus: option '-c, --count <n>' argument '99999999999' is invalid. expected a whole number from 1 to 2147483647, in digits, got "99999999999". ${hint}\n`,
    ],
    ...['--timeout', '--connect-timeout'].map((option): [string[], string] => [
      [option, '3000000000', 'ping', 'orders'],
      `daebus: option '${option} <ms>' argument '3000000000' is invalid. expected a whole number from 1 to 2147483647 (about 24.8 days), in digits, got "3000000000". ${hint}\n`,
    ]),
    // decimal digits only: Number() read "0x10" as 16 ms
    [
      ['--timeout', '0x10', 'ping', 'orders'],
      `daebus: option '--timeout <ms>' argument '0x10' is invalid. expected a whole number from 1 to 2147483647 (about 24.8 days), in digits, got "0x10". ${hint}\n`,
    ],
    [
      ['watch', 'orders', '--interval', '3000000000'],
      `daebus: option '--interval <ms>' argument '3000000000' is invalid. expected a whole number from 50 to 2147483647 (about 24.8 days), in digits, got "3000000000". ${hint}\n`,
    ],
    // before: the whole help on stderr, and nothing saying the command is unknown
    [['help', 'nosuch'], 'daebus: no command "nosuch" to show help for (daebus --help lists the commands).\n'],
    [
      ['--timeout', '5', 'thread', 'help', 'nosuch'],
      'daebus: no command "nosuch" to show help for (daebus thread --help lists the commands).\n',
    ],
    [
      ['--redis', 'redis://:a%zz@127.0.0.1:6379', 'ping', 'orders'],
      'daebus: "redis://:***@127.0.0.1:6379": the password has a % that starts no %XX escape; write a literal % as %25.\n',
    ],
  ])('daebus %j: one "daebus:" line on stderr, exit 2', async (args, stderr) => {
    const ran = await daebus(args);
    expect(ran).toEqual({ code: 2, stdout: '', stderr });
  });

  it('a caller option the library refuses ends the command: the connection it opened is closed', async () => {
    // the library's own check, past the command line's: the process must end by itself
    const script = `require('./dist/cli/connection')
      .openCaller({ redis: ${JSON.stringify(TEST_REDIS_URL)}, timeout: 3e9, connectTimeout: 2000 }, 'orders')
      .catch((err) => console.log(err.code))`;
    const child = spawn(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(guard);
    expect({ code, signal, stdout }).toEqual({ code: 0, signal: null, stdout: 'INVALID_OPTION\n' });
  });

  it.each([
    [['help', 'call']],
    [['thread', 'help', 'start']],
    [['--json', 'help', 'thread']],
    [['help', 'help']],
    [['thread', 'help', 'help']],
  ])('daebus %j: the help asked for on stdout, exit 0', async (args) => {
    const ran = await daebus(args);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toMatch(
      new RegExp(`^Usage: ${['daebus', ...args.filter((a) => !a.startsWith('-') && a !== 'help')].join(' ')} \\[options\\]`),
    );
  });

  it('--help is unchanged: usage on stdout, nothing on stderr, exit 0', async () => {
    const ran = await daebus(['call', '--help']);
    expect(ran.code).toBe(0);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toMatch(/^Usage: daebus call \[options\] <service> <action> \[json\]\n/);
  });
});
