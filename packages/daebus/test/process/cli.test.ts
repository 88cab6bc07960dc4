// The `daebus` command as a user runs it: the built bin in its own process, against a service
// running in another process on Redis. Only exit codes and output are checked, never timings.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Daebus, DaebusCaller, type ServiceInfo } from 'daebus';
import Redis from 'ioredis';
import { captureLogger, fixture, waitFor, within } from '../support/helpers';
import { privateRedis, TEST_REDIS_URL } from '../support/redis-server';
import { freePort } from '../support/free-port';
import { BIN, cleanEnv, killAll, startCli, startFixtureService, type Ran } from '../support/cli-process';

jest.setTimeout(60_000);

/** What a no-answer error ends with: the CLI cannot reach a service on the in-memory transport. */
const IN_MEMORY_HINT =
  'A service that is stopping no longer listens, while it finishes what it runs. ' +
  'A service run without REDIS_URL or a redis option uses the in-memory transport, which no other process can reach.';

/** Start `daebus ...args` on the test Redis; the process and its output so far. */
function start(args: string[], env: NodeJS.ProcessEnv = {}): ReturnType<typeof startCli> {
  return startCli(args, { env });
}

/** Run `daebus ...args` to its end (it must end by itself: no handle left open). */
function daebus(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return start(args, env).done;
}

/** A service process of the fixture; resolves once it has started. */
function startService(name: string, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  return startFixtureService(name, TEST_REDIS_URL, services, env);
}

const services: ChildProcess[] = [];
const service = `cli_${randomUUID()}`;

beforeAll(() => startService(service));
afterAll(() => killAll(services));

describe('daebus call', () => {
  it('prints the final reply as JSON and exits 0', async () => {
    const ran = await daebus(['call', service, 'echo', '{"a": 1, "b": [true]}']);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(ran.stdout)).toEqual({ echoed: { a: 1, b: [true] } });
  });

  it('sends an empty payload when none is given', async () => {
    const ran = await daebus(['call', service, 'echo']);
    expect(JSON.parse(ran.stdout)).toEqual({ echoed: {} });
  });

  it('prints progress updates on stderr, one JSON line each, and the reply on stdout', async () => {
    const ran = await daebus(['call', service, 'count', '{"to": 3}']);
    expect(ran.code).toBe(0);
    expect(
      ran.stderr
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(JSON.parse(ran.stdout)).toEqual({ counted: 3 });
  });

  it("exits 1 with the service's error code and message when the handler fails", async () => {
    const ran = await daebus(['call', service, 'fail']);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/^daebus: error HANDLER_ERROR: this action always fails$/m);
  });

  it("exits 1 with the service's UNKNOWN_ACTION message for an action it does not have", async () => {
    const ran = await daebus(['call', service, 'nope']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('error UNKNOWN_ACTION: Unknown action "nope"');
    expect(ran.stderr).toContain('echo, count, fail, slow');
  });

  it('exits 3 with TIMEOUT when the reply does not come within --timeout', async () => {
    const ran = await daebus(['call', service, 'slow', '{"ms": 3000}', '--timeout', '300']);
    expect(ran.code).toBe(3);
    expect(ran.stderr).toMatch(/^daebus: error TIMEOUT: .*did not answer "slow" within 300 ms/m);
  });

  it('sends numbers as JavaScript reads them: the largest safe integer as it is, 1.0 as 1', async () => {
    const ran = await daebus(['call', service, 'echo', '{"id": 9007199254740991, "ratio": 1.0, "f": 0.1000000000000000001}']);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(ran.stdout)).toEqual({ echoed: { id: 9007199254740991, ratio: 1, f: 0.1 } });
  });

  it('exits 2 for a payload that is not JSON, not a JSON object, or holds a number that would not arrive as written', async () => {
    const bad = await daebus(['call', service, 'echo', '{oops']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('The payload is not valid JSON');
    const array = await daebus(['call', service, 'echo', '[1, 2]']);
    expect(array.code).toBe(2);
    expect(array.stderr).toContain('The payload must be a JSON object');
    // before: sent rounded (1796328959008000001 arrived as 1796328959008000000) and 1e400 as null, exit 0
    const big = await daebus(['call', service, 'echo', '{"id": 1796328959008000001}']);
    expect(big).toMatchObject({ code: 2, stdout: '' });
    expect(big.stderr).toContain('daebus: The payload holds the number 1796328959008000001, which would be sent as 1796328959008000000');
    expect(big.stderr).toContain('Send it as a string');
    const huge = await daebus(['call', service, 'echo', '{"s": "1e400 \\" 1", "huge": [1e400]}']);
    expect(huge).toMatchObject({ code: 2, stderr: expect.stringContaining('the number 1e400, which would be sent as null') });
    // before: the library's words for it, `sendRequest(""): action must be a non-empty string`
    const unnamed = await daebus(['call', service, '']);
    expect(unnamed).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('daebus: The action name is empty; give the action to call'),
    });
  });
});

describe('reading a service', () => {
  it('daebus threads prints the table with the running thread', async () => {
    const ran = await daebus(['threads', service]);
    expect(ran.code).toBe(0);
    const [header, row] = ran.stdout.split('\n');
    expect(header).toMatch(/^THREAD +STATE +RESTARTS +UPTIME +LAST EXIT +NEXT RESTART +STALLED FOR +EVENT LOOP +HEAP$/);
    expect(row).toMatch(/^sleeper +running +\d+ /);
    expect(ran.stdout).not.toContain('\x1b['); // not a terminal: no colors
  });

  it('daebus threads --json prints the reply: the snapshots and the time they were taken', async () => {
    const ran = await daebus(['threads', service, '--json']);
    expect(JSON.parse(ran.stdout)).toEqual({
      at: expect.any(Number),
      threads: [expect.objectContaining({ name: 'sleeper', state: 'running' })],
    });
  });

  it('daebus threads colours the states on a terminal, unless NO_COLOR is set', async () => {
    const onTerminal = (env: NodeJS.ProcessEnv): Promise<Ran> => startCli(['threads', service], { env, terminal: true }).done;
    expect((await onTerminal({ NO_COLOR: '' })).stdout).toContain('\x1b['); // an empty NO_COLOR is unset
    const plain = await onTerminal({ NO_COLOR: '1' });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^sleeper +running/m);
    expect(plain.stdout).not.toContain('\x1b[');
  });

  it('daebus info describes the service; --json gives the daebus.info reply', async () => {
    const human = await daebus(['info', service]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(new RegExp(`^service +${service} \\(app "cli_fixture"\\)$`, 'm'));
    expect(human.stdout).toMatch(/^actions +echo, count, fail, slow$/m);
    expect(human.stdout).toMatch(/^background +tick \(every 60 s/m);
    expect(human.stdout).toMatch(/^admin +on$/m);
    const json = await daebus(['info', service, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ service, app: 'cli_fixture', threads: ['sleeper'], admin: true });
  });

  it('daebus health exits 0 for a ready service', async () => {
    const ran = await daebus(['health', service]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^ok, ready \(redis:\/\/.* connected\)$/m);
    const json = await daebus(['health', service, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'ok', ready: true });
  });

  it('daebus health exits 1 once a required thread has failed', async () => {
    const doomed = `cli_doomed_${randomUUID()}`;
    await startService(doomed, { DOOMED_THREAD: '1' });
    let last: Ran | undefined;
    await waitFor(async () => {
      last = await daebus(['health', doomed]);
      return last.code !== 0;
    }, 'the service to be unready');
    expect(last?.code).toBe(1);
    expect(last?.stdout).toContain('failing, NOT ready');
    expect(last?.stdout).toContain('failed threads: doomed');
  });

  it('daebus replicas says when the service runs no replicas', async () => {
    const ran = await daebus(['replicas', service]);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('no replicas');
    expect(JSON.parse((await daebus(['replicas', service, '--json'])).stdout)).toEqual([]);
  });

  it('daebus replicas and daebus info of a service run as two replicas', async () => {
    const replicated = `cli_replicas_${randomUUID()}`;
    const apps = [0, 1].map(() => new Daebus('replicated', { logger: captureLogger().logger }));
    try {
      for (const app of apps) await app.start({ service: replicated, redis: TEST_REDIS_URL, replicas: {} });
      const ids = (await (apps[0] as Daebus).replicas()).map((r) => r.id);
      expect(ids).toHaveLength(2);
      const listed = JSON.parse((await daebus(['replicas', replicated, '--json'])).stdout) as { id: string; pid: number }[];
      expect(listed.map((r) => r.id).sort()).toEqual([...ids].sort());
      expect(listed.every((r) => r.pid === process.pid)).toBe(true);
      const table = await daebus(['replicas', replicated]);
      expect(table.code).toBe(0);
      for (const id of ids) expect(table.stdout).toContain(String(id));
      // info asks each replica: its answer is labelled with the replica that gave it
      const infos = JSON.parse((await daebus(['info', replicated, '--json'])).stdout) as { replica: { id: string }; reply: ServiceInfo }[];
      expect(infos.map((entry) => entry.replica.id).sort()).toEqual([...ids].sort());
      for (const entry of infos) expect(entry.reply.replica?.id).toBe(entry.replica.id);
    } finally {
      for (const app of apps) await app.stop();
    }
  });

  it('daebus ping prints each round trip and the min/avg/max', async () => {
    const ran = await daebus(['ping', service, '--count', '2', '--interval', '0']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(new RegExp(`^ping 1: reply from "${service}" in [\\d.]+ ms$`, 'm'));
    expect(ran.stdout).toMatch(/^ping 2: reply from/m);
    expect(ran.stdout).toMatch(/^2 sent, 2 answered; min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms$/m);
  });
});

describe('daebus watch', () => {
  const closers: (() => unknown)[] = [];
  afterEach(() => {
    for (const close of closers.splice(0)) close();
  });

  it('prints timestamped blocks when stdout is not a terminal, and exits 0 on Ctrl-C', async () => {
    const watch = start(['watch', service, '--interval', '100']);
    await waitFor(() => (watch.out.stdout.match(/^--- \d{4}-/gm) ?? []).length >= 2, 'two blocks');
    watch.child.kill('SIGINT');
    const ran = await watch.done;
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain(`"${service}" ---`);
    expect(ran.stdout).toMatch(/^health +ok, ready/m);
    expect(ran.stdout).toMatch(/^sleeper +running/m);
    expect(ran.stdout).not.toContain('\x1b[');
  });

  it('says a service still starting is not started, as info does (before: "up 0ms")', async () => {
    const starting = `cli_starting_${randomUUID()}`;
    const app = new Daebus('starting', { logger: captureLogger().logger });
    app.thread('hung', fixture('hangs-on-import.mjs'), { shutdownTimeoutMs: 100 });
    const started = app.start({ service: starting, redis: TEST_REDIS_URL }).catch(() => undefined);
    try {
      const watch = start(['watch', starting, '--interval', '100']);
      await waitFor(() => /still starting/.test(watch.out.stdout), 'a block of the service starting');
      watch.child.kill('SIGINT');
      const ran = await watch.done;
      expect(ran.stdout).toMatch(new RegExp(`^service ${starting} \\(app "starting"\\), pid \\d+ on .*, not started, daebus`, 'm'));
      expect(ran.stdout).not.toContain('up 0ms');
    } finally {
      await app.stop();
      await started;
    }
  });

  it('keeps going, and says so, once the service stops answering', async () => {
    const name = `cli_going_${randomUUID()}`;
    const child = await startService(name);
    const watch = start(['watch', name, '--interval', '100', '--timeout', '500']);
    await waitFor(() => /^health +ok, ready/m.test(watch.out.stdout), 'a first block');
    child.kill('SIGKILL');
    // killed: nothing listens on its channel any more
    await waitFor(() => (watch.out.stdout.match(/NOT RUNNING: service "[^"]+" has stopped or died/g) ?? []).length >= 2, 'two blocks');
    expect(watch.out.stdout).toContain('last known threads:');
    watch.child.kill('SIGINT');
    expect((await watch.done).code).toBe(0);
  });

  it('Ctrl-C ends it at once, status 0, while a look at a frozen service waits for its replies', async () => {
    const name = `cli_frozen_${randomUUID()}`;
    const child = await startService(name);
    const spy = new Redis(TEST_REDIS_URL);
    const watch = start(['watch', name, '--interval', '100', '--timeout', '600000']);
    closers.push(
      () => spy.disconnect(),
      () => child.kill('SIGCONT'),
      () => watch.child.exitCode === null && watch.child.kill('SIGKILL'),
    );
    await waitFor(() => /^health +ok, ready/m.test(watch.out.stdout), 'a first block');
    child.kill('SIGSTOP');
    const lookSent = new Promise<void>((resolve) =>
      spy.on('message', (_channel: string, text: string) => text.includes('"action":"daebus.') && resolve()),
    );
    await spy.subscribe(name);
    // a look's request sent after the freeze: its reply cannot come before the 600 s timeout
    await lookSent;
    watch.child.kill('SIGINT');
    // a generous bound: it used to wait for the timeout
    expect(await within(watch.done, 20_000, 'still running')).toMatchObject({ code: 0 });
  });

  /** A service frozen (SIGSTOP) before anything asked it, and when the first request of `action` (a prefix) reaches its channel. */
  async function frozenService(prefix: string, action = 'daebus.'): Promise<{ name: string; asked: Promise<void> }> {
    const name = `${prefix}_${randomUUID()}`;
    const child = await startService(name);
    const spy = new Redis(TEST_REDIS_URL);
    closers.push(
      () => spy.disconnect(),
      () => child.kill('SIGCONT'),
    );
    child.kill('SIGSTOP');
    const asked = new Promise<void>((resolve) =>
      spy.on('message', (_channel: string, text: string) => text.includes(`"action":"${action}`) && resolve()),
    );
    await spy.subscribe(name);
    return { name, asked };
  }

  it('Ctrl-C ends it with status 0 while its first ping of a frozen service waits', async () => {
    const { name, asked: pinged } = await frozenService('cli_frozen_first');
    const watch = start(['watch', name, '--timeout', '600000']);
    closers.push(() => watch.child.exitCode === null && watch.child.kill('SIGKILL'));
    await pinged;
    watch.child.kill('SIGINT');
    // before: status 130, the Ctrl-C handler being installed only once the service had answered
    expect(await watch.done).toMatchObject({ code: 0, stdout: '' });
  });

  it('Ctrl-C ends ping with status 0 while a ping of a frozen service waits, counting it neither answered nor lost', async () => {
    const { name, asked: pinged } = await frozenService('cli_frozen_ping', 'daebus.ping"');
    const ping = start(['ping', name, '--timeout', '600000']);
    closers.push(() => ping.child.exitCode === null && ping.child.kill('SIGKILL'));
    await pinged;
    ping.child.kill('SIGINT');
    // before: it waited for the ping's timeout (600 s here), then said it went unanswered (status 3)
    expect(await within(ping.done, 20_000, 'still running')).toMatchObject({ code: 0, stdout: '0 sent, 0 answered\n' });
  });

  it('ping sums up in ms when a round trip took more than a second (before: "1.6s ms")', async () => {
    const name = `cli_slow_ping_${randomUUID()}`;
    const child = await startService(name);
    closers.push(() => child.kill('SIGCONT'));
    const ping = start(['ping', name, '--count', '2', '--interval', '2000', '--timeout', '60000']);
    closers.push(() => ping.child.exitCode === null && ping.child.kill('SIGKILL'));
    await waitFor(() => ping.out.stdout.includes('ping 1: reply'), 'the first answer');
    child.kill('SIGSTOP');
    // the second ping waits for the frozen service for longer than a second
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    child.kill('SIGCONT');
    const ran = await within(ping.done, 20_000, 'still running');
    expect(ran).toMatchObject({ code: 0 });
    expect((ran as Ran).stdout).toMatch(/^2 sent, 2 answered; min\/avg\/max = \d+\.\d\d\/\d+\.\d\d\/\d{4,}\.\d\d ms$/m);
  });

  it('ping sums up what it measured before it says Redis was lost (before: the error alone)', async () => {
    const server = await privateRedis();
    closers.push(() => void server.stop());
    const name = `cli_lost_ping_${randomUUID()}`;
    await startFixtureService(name, server.url, services);
    const ping = start(['--redis', server.url, 'ping', name, '--count', '1000', '--interval', '50']);
    closers.push(() => ping.child.exitCode === null && ping.child.kill('SIGKILL'));
    await waitFor(() => ping.out.stdout.includes('ping 2: reply'), 'two answers');
    await server.stop();
    const ran = await within(ping.done, 20_000, 'still running');
    expect(ran).toMatchObject({ code: 4 });
    expect((ran as Ran).stdout).toMatch(/^\d+ sent, \d+ answered; min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms$/m);
    // a ping Redis refused is not counted as sent (before: one more sent than the pings shown, and taken for
    // unanswered); one lost in flight was sent, and is counted unanswered
    const shown = (ran as Ran).stdout.match(/^ping \d+: /gm)?.length ?? 0;
    const lostInFlight = (ran as Ran).stderr.includes('in flight are lost');
    expect((ran as Ran).stdout).toContain(`${lostInFlight ? shown + 1 : shown} sent, ${shown} answered;`);
  });

  it('health of a service that is stopping (draining a request) says it may be stopping (before: only not running or misspelt)', async () => {
    const name = `cli_draining_${randomUUID()}`;
    const draining = await startService(name);
    const caller = new DaebusCaller(name, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
    try {
      await caller.sendRequest('echo', {}); // connected, and answered
      const slow = caller.sendRequest('slow', { ms: 5_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      draining.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ran = await daebus(['health', name]);
      expect(draining.exitCode).toBeNull(); // still draining
      expect(ran.code).toBe(3);
      expect(ran.stderr).toContain('A service that is stopping no longer listens, while it finishes what it runs.');
      await expect(slow).resolves.toEqual({ slept: 5_000 });
    } finally {
      await caller.close();
    }
  });

  it('a service that does not answer at first (a misspelt name): exit 3 with the hint, as the other verbs', async () => {
    const name = `cli_absent_${randomUUID()}`;
    const watch = start(['watch', name, '--interval', '100', '--timeout', '500']);
    try {
      // a generous bound: it used to go on forever
      const ran = await within(watch.done, 20_000, 'still running');
      expect(ran).toEqual({
        code: 3,
        stdout: '',
        // nothing listens, known at once: the message said it waited 500 ms for an answer
        stderr: `daebus: no service "${name}" listens on ${TEST_REDIS_URL}; is it running, and is the name right? ${IN_MEMORY_HINT}\n`,
      });
    } finally {
      if (watch.child.exitCode === null) watch.child.kill('SIGKILL');
    }
  });
});

describe('daebus listen and send', () => {
  it('prints what is sent on the channel; send prints the number of receivers', async () => {
    const channel = `cli_channel_${randomUUID()}`;
    const listen = start(['listen', channel]);
    await waitFor(() => listen.out.stderr.includes('listening on'), 'the subscription');
    const sent = await daebus(['send', channel, '{"hello": "world"}']);
    expect(sent).toMatchObject({ code: 0, stdout: '1\n' });
    const raw = await daebus(['send', channel, 'not json', '--raw']);
    expect(raw.code).toBe(0);
    await waitFor(() => listen.out.stdout.includes('not json'), 'the messages');
    listen.child.kill('SIGINT');
    const ran = await listen.done;
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('{"hello": "world"}\nnot json\n');
  });

  it('drops what comes while its output is more than 8 MiB behind, and says how many (before: it held them all in memory)', async () => {
    const channel = `cli_channel_${randomUUID()}`;
    const listen = start(['listen', channel]);
    try {
      await waitFor(() => listen.out.stderr.includes('listening on'), 'the subscription');
      // nobody reads its output: what it writes waits in the pipe, then in the process
      listen.child.stdout?.pause();
      const publisher = new Redis(TEST_REDIS_URL);
      const count = 20_000;
      const message = JSON.stringify({ pad: 'z'.repeat(1_000) });
      try {
        for (let sent = 0; sent < count; sent += 1_000) {
          const batch = publisher.pipeline();
          for (let i = 0; i < 1_000; i++) batch.publish(channel, message);
          await batch.exec();
        }
        await publisher.publish(channel, '{"end": true}');
      } finally {
        publisher.disconnect();
      }
      listen.child.stdout?.resume();
      const dropped = (): number =>
        [...listen.out.stderr.matchAll(/(\d+) message\(s\) dropped/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      const printed = (): number => listen.out.stdout.split('\n').length - 1;
      // every message is either printed or counted as dropped
      await waitFor(() => printed() + dropped() === count + 1, 'every message printed or counted', 30_000);
      expect(dropped()).toBeGreaterThan(0);
      expect(listen.out.stderr).toMatch(/daebus: \d+ message\(s\) dropped: stdout was not read as fast as they came\n/);
      listen.child.kill('SIGINT');
      expect((await listen.done).code).toBe(0);
    } finally {
      // a listen left running keeps jest from exiting
      if (listen.child.exitCode === null) listen.child.kill('SIGKILL');
    }
  });

  it('send takes a message with Python’s NaN and Infinity (json.dumps writes them) and publishes it as written; call refuses them, saying why', async () => {
    const channel = `cli_channel_${randomUUID()}`;
    const listen = start(['listen', channel]);
    try {
      await waitFor(() => listen.out.stderr.includes('listening on'), 'the subscription');
      // before: exit 2, "not valid JSON"
      expect(await daebus(['send', channel, '{"x": NaN, "y": -Infinity}'])).toMatchObject({ code: 0, stdout: '1\n' });
      await waitFor(() => listen.out.stdout.includes('NaN'), 'the message');
    } finally {
      listen.child.kill('SIGINT');
    }
    expect((await listen.done).stdout).toBe('{"x": NaN, "y": -Infinity}\n');
    // a request's payload is sent as JSON.stringify writes it, which has no form for them
    const call = await daebus(['call', 'nobody', 'echo', '{"x": NaN}']);
    expect(call.code).toBe(2);
    expect(call.stderr).toContain('NaN, Infinity or -Infinity');
  });

  it('listen prints a message holding newlines on one line: as spaces in JSON, escaped in other text', async () => {
    const channel = `cli_channel_${randomUUID()}`;
    const listen = start(['listen', channel]);
    await waitFor(() => listen.out.stderr.includes('listening on'), 'the subscription');
    // before: indented JSON (json.dumps(x, indent=2)) was printed over several lines
    expect(await daebus(['send', channel, '{\n  "a": 1\n}'])).toMatchObject({ code: 0, stdout: '1\n' });
    expect(await daebus(['send', channel, 'two\r\nlines', '--raw'])).toMatchObject({ code: 0, stdout: '1\n' });
    await waitFor(() => listen.out.stdout.includes('two'), 'the messages');
    listen.child.kill('SIGINT');
    const ran = await listen.done;
    expect(ran).toMatchObject({ code: 0, stdout: '{   "a": 1 }\ntwo\\r\\nlines\n' });
  });

  it('listen says so and exits 4 when its connection to Redis is lost', async () => {
    const server = await privateRedis();
    const channel = `cli_channel_${randomUUID()}`;
    const listen = start(['--redis', server.url, 'listen', channel]);
    try {
      await waitFor(() => listen.out.stderr.includes('listening on'), 'the subscription');
      await server.stop();
      // a generous bound: it used to wait in silence, forever
      const ran = await within(listen.done, 20_000, 'still running');
      expect(ran).toMatchObject({ code: 4, stdout: '' });
      expect((ran as Ran).stderr).toContain(
        `daebus: lost the connection to Redis at ${server.url}; messages sent on "${channel}" from now on would be missed. Run listen again once Redis is back.\n`,
      );
    } finally {
      if (listen.child.exitCode === null) listen.child.kill('SIGKILL');
    }
  });

  it('listen --pretty indents JSON messages', async () => {
    const channel = `cli_channel_${randomUUID()}`;
    const listen = start(['listen', channel, '--pretty']);
    await waitFor(() => listen.out.stderr.includes('listening on'), 'the subscription');
    await daebus(['send', channel, '{"a":1}']);
    await waitFor(() => listen.out.stdout.includes('}'), 'the message');
    listen.child.kill('SIGINT');
    expect((await listen.done).stdout).toBe('{\n  "a": 1\n}\n');
  });

  it('send refuses text that is not JSON unless --raw, and prints 0 when nobody listens', async () => {
    const channel = `cli_channel_${randomUUID()}`;
    const bad = await daebus(['send', channel, 'plain words']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('The message is not valid JSON');
    expect((await daebus(['send', channel, '{}'])).stdout).toBe('0\n');
  });

  it('send refuses JSON that is not an object (a broadcast is one), unless --raw', async () => {
    const channel = `cli_channel_${randomUUID()}`;
    for (const text of ['[1]', '"text"', '7', 'null']) {
      const refused = await daebus(['send', channel, text]);
      expect(refused).toMatchObject({ code: 2, stdout: '' });
      expect(refused.stderr).toContain('must be a JSON object');
    }
    expect(await daebus(['send', channel, '[1]', '--raw'])).toMatchObject({ code: 0, stdout: '0\n' });
  });

  it('listen says on stderr when a message is not valid UTF-8', async () => {
    const channel = `cli_channel_${randomUUID()}`;
    const listen = start(['listen', channel]);
    await waitFor(() => listen.out.stderr.includes('listening on'), 'the subscription');
    const publisher = new Redis(TEST_REDIS_URL);
    try {
      await publisher.publish(channel, Buffer.from('{"s": "caf\u00e9"}', 'latin1'));
      await publisher.publish(channel, '{"s": "ok"}');
    } finally {
      publisher.disconnect();
    }
    await waitFor(() => listen.out.stdout.includes('"ok"'), 'the messages');
    listen.child.kill('SIGINT');
    const ran = await listen.done;
    expect(ran.stdout).toBe('{"s": "caf\uFFFD"}\n{"s": "ok"}\n');
    expect(ran.stderr).toContain('the next message is not valid UTF-8');
  });
});

describe('admin verbs', () => {
  it('refuse without the token: exit 1 with FORBIDDEN', async () => {
    const ran = await daebus(['thread', 'restart', service, 'sleeper']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('error FORBIDDEN:');
    const wrong = await daebus(['task', 'pause', service, 'tick', '--token', 'guess']);
    expect(wrong.code).toBe(1);
  });

  it('restart a thread with --token, and show it', async () => {
    const ran = await daebus(['thread', 'restart', service, 'sleeper', '--token', 'let-me-in']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^sleeper +running /m);
    expect(ran.stdout).toContain('stopped, code 0');
  });

  it('stop and start a thread, with --json', async () => {
    const stopped = await daebus(['thread', 'stop', service, 'sleeper', '--token', 'let-me-in', '--json']);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ name: 'sleeper', state: 'stopped' });
    const started = await daebus(['thread', 'start', service, 'sleeper', '--token', 'let-me-in', '--json']);
    expect(JSON.parse(started.stdout)).toMatchObject({ name: 'sleeper', state: 'running' });
  });

  it('pause and resume a task with the token from DAEBUS_ADMIN_TOKEN', async () => {
    const env = { DAEBUS_ADMIN_TOKEN: 'let-me-in' };
    const paused = await daebus(['task', 'pause', service, 'tick'], env);
    expect(paused).toMatchObject({ code: 0, stdout: expect.stringContaining('task "tick": paused') });
    const resumed = await daebus(['task', 'resume', service, 'tick'], env);
    expect(resumed).toMatchObject({ code: 0, stdout: expect.stringContaining('task "tick": running') });
  });

  it("exit 1 with the service's message for a thread it does not have", async () => {
    const ran = await daebus(['thread', 'start', service, 'ghost', '--token', 'let-me-in']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('error UNKNOWN_THREAD:');
    // in an operator's words, naming the threads there are (before: "Register it with app.thread(name, entry).")
    expect(ran.stderr).toMatch(/has no thread named "ghost": its threads are "[^"]+"/);
    expect(ran.stderr).not.toContain('app.thread');
  });
});

describe('options before the verb, as after it', () => {
  it('--json and --token work before the verb', async () => {
    const threads = await daebus(['--json', 'threads', service]);
    expect(threads).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(threads.stdout)).toMatchObject({ threads: [expect.objectContaining({ name: 'sleeper' })] });
    const restarted = await daebus(['--token', 'let-me-in', '--json', 'thread', 'restart', service, 'sleeper']);
    expect(restarted).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(restarted.stdout)).toMatchObject({ name: 'sleeper', state: 'running' });
  });

  it('--token on the command line wins over DAEBUS_ADMIN_TOKEN, before the verb too', async () => {
    const ran = await daebus(['--token', 'let-me-in', 'task', 'resume', service, 'tick'], { DAEBUS_ADMIN_TOKEN: 'guess' });
    expect(ran).toMatchObject({ code: 0, stdout: expect.stringContaining('task "tick": running') });
  });

  it('a verb that does not take --json or --token refuses it, before or after the verb', async () => {
    for (const args of [
      ['--json', 'call', service, 'echo'],
      ['call', service, 'echo', '--json'],
      ['--token', 'let-me-in', 'ping', service],
    ]) {
      const ran = await daebus(args);
      expect(ran).toMatchObject({ code: 2, stdout: '' });
      expect(ran.stderr).toMatch(/^daebus: unknown option '--(json|token)' \(add --help for usage\)\n$/);
    }
  });
});

describe('errors a user meets first', () => {
  it('an unknown service: exit 3 with a hint', async () => {
    const name = `cli_nobody_${randomUUID()}`;
    const ran = await daebus(['threads', name, '--timeout', '500']);
    expect(ran.code).toBe(3);
    expect(ran.stderr).toBe(
      `daebus: no service "${name}" listens on ${TEST_REDIS_URL}; is it running, and is the name right? ${IN_MEMORY_HINT}\n`,
    );
  });

  it('an unreachable Redis: exit 4 with the address and the reason', async () => {
    const port = await freePort();
    const ran = await daebus(['call', service, 'echo', '--redis', `redis://127.0.0.1:${port}`]);
    expect(ran.code).toBe(4);
    expect(ran.stderr).toMatch(new RegExp(`^daebus: cannot reach Redis at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  it('REDIS_URL is read when --redis is not given', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'ping', service], { env: cleanEnv({ REDIS_URL: `redis://127.0.0.1:${port}` }) });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(4);
    expect(stderr).toContain(`redis://127.0.0.1:${port}`);
  });

  it('takes a bare host:port, as a service takes it from REDIS_URL', async () => {
    const ran = await daebus(['call', service, 'echo', '{"a": 2}', '--redis', TEST_REDIS_URL.replace(/^redis:\/\//, '')]);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(ran.stdout)).toEqual({ echoed: { a: 2 } });
  });

  it('--help of a verb explains it with an example, and exits 0', async () => {
    const ran = await daebus(['call', '--help']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('Usage: daebus call [options] <service> <action> [json]');
    expect(ran.stdout).toContain('Example:');
    expect(ran.stdout).toContain('--redis <url>');
  });

  it('every verb, the admin groups included, shows an example with --help', async () => {
    const verbs = ['call', 'threads', 'info', 'health', 'replicas', 'watch', 'ping', 'listen', 'send', 'thread', 'task'];
    for (const verb of [...verbs.map((v) => [v]), ['thread', 'restart'], ['task', 'pause']]) {
      const ran = await daebus([...verb, '--help']);
      expect({ verb, code: ran.code }).toEqual({ verb, code: 0 });
      expect(ran.stdout).toMatch(new RegExp(`Example:\\n  \\$ daebus ${verb.join(' ')} `));
    }
  });

  it("--help gives --timeout's real default: 60000 for the admin verbs, 5000 for the others", async () => {
    const timeoutLine = (help: string): string | undefined => /^ {2}--timeout <ms>[\s\S]*?\)$/m.exec(help)?.[0].replace(/\s+/g, ' ');
    for (const verb of [
      ['thread', 'restart'],
      ['thread', 'stop'],
      ['task', 'pause'],
    ]) {
      const ran = await daebus([...verb, '--help']);
      expect({ verb, line: timeoutLine(ran.stdout) }).toEqual({ verb, line: expect.stringMatching(/\(default: 60000\)$/) as unknown });
    }
    expect(timeoutLine((await daebus(['threads', '--help'])).stdout)).toMatch(/\(default: 5000\)$/);
  });

  it('an unknown verb or a missing argument: exit 2', async () => {
    const verb = await daebus(['frobnicate']);
    expect(verb.code).toBe(2);
    expect(verb.stderr).toContain("unknown command 'frobnicate'");
    expect((await daebus(['call', service])).code).toBe(2);
    expect((await daebus(['ping', service, '--count', 'many'])).code).toBe(2);
  });
});
