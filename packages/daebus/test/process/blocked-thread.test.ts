// A thread blocked in a synchronous child process cannot be terminated (Node's termination does
// not reach native calls), and Node's process.exit waits for every worker thread: before, a stop
// waited for the child, however long, and a second signal's "ends within 2 s" did not hold.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fixture, onJsonLines, waitFor } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';

const MAIN = join(__dirname, '..', '..', 'dist', 'main', 'index.js');

const SCRIPT = `
const { Daebus, DaebusCaller, createLogger } = require(${JSON.stringify(MAIN)});
const say = (what) => process.stdout.write(JSON.stringify(what) + '\\n');
const app = new Daebus('blocked', { logger: createLogger({ json: true, level: 'info' }), drainTimeoutMs: Number(process.env.DRAIN_MS) });
if (process.env.POOLED === '1') {
  app.action('exec', { module: ${JSON.stringify(fixture('pool-exec-sleep.mjs'))} });
  app.onStart(() => {
    const caller = new DaebusCaller(process.env.SERVICE, { transport: 'memory', timeoutMs: 60_000 });
    caller.sendRequest('exec', { seconds: 30 }).catch(() => undefined);
    setTimeout(() => say({ message: 'exec' }), 500); // the call has reached its pool worker
  });
} else {
  app.thread('exec', ${JSON.stringify(fixture('exec-sleep.mjs'))}, {
    shutdownTimeoutMs: Number(process.env.SHUTDOWN_MS),
    stallTimeoutMs: 0,
    workerData: { seconds: 30 },
  });
}
app.run({ service: process.env.SERVICE, transport: 'memory' }).then((code) => say({ resolved: code }));
`;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  messages: string[];
  lines: Record<string, unknown>[];
  guarded: boolean;
}

/** Run the service; `signals` SIGTERMs are sent once the thread is in its child process, each once the last was heard. */
function runBlocked(shutdownMs: number, signals: number, pooled = false, drainMs = 300, late = false): Promise<Run> {
  const child = spawn(process.execPath, ['-e', SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      SHUTDOWN_MS: String(shutdownMs),
      SERVICE: `blocked_${randomUUID()}`,
      POOLED: pooled ? '1' : '0',
      DRAIN_MS: String(drainMs),
    },
  });
  // the child process sleeps 30 s: a process still up at 20 s waited for it (the test fails on `guarded`)
  let guarded = false;
  const guard = setTimeout(() => {
    guarded = true;
    child.kill('SIGKILL');
  }, 20_000);
  const lines: Record<string, unknown>[] = [];
  let sent = 0;
  onJsonLines(child.stdout, (line) => {
    lines.push(line);
    // late: the second once the stop is over (its last line), while run() gives the process its last 2 s
    const second = late ? /^Service ".*" stopped;/ : /^Received SIGTERM/;
    const heard = sent === 0 ? line.message === 'exec' : second.test(String(line.message));
    if (heard && sent < signals) {
      sent += 1;
      // a second signal within 100 ms of the first is taken as the same
      setTimeout(() => child.kill('SIGTERM'), sent === 1 ? 0 : 300);
    }
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, lines, messages: lines.map((l) => String(l.message)), guarded });
    });
  });
}

describe('a thread blocked in a synchronous child process', () => {
  it('is terminated at its shutdownTimeoutMs; the stop goes on without it, names it, and run() ends the process (SIGKILL)', async () => {
    const run = await runBlocked(300, 1);
    expect(run.guarded).toBe(false);
    expect(run.messages).toContainEqual(
      expect.stringMatching(/^Thread "exec" has not ended 1000 ms after it was terminated: it is blocked/),
    );
    expect(run.messages).toContainEqual(
      expect.stringMatching(/stopped; thread\(s\) still blocked in a native call after termination: exec$/),
    );
    expect(run.lines).toContainEqual({ resolved: 1 });
    expect(run.messages).toContainEqual(
      expect.stringMatching(/^1 worker thread\(s\) did not end when terminated: .* SIGKILL instead of exit code 1\.$/),
    );
    expect(run.signal).toBe('SIGKILL');
  });

  it('does not hold a forced stop (a second signal) past its 2 s', async () => {
    const run = await runBlocked(60_000, 2);
    expect(run.guarded).toBe(false);
    expect(run.messages).toContainEqual(expect.stringMatching(/forcing the stop; the process ends within 2 s$/));
    // named before the end (the forced stop waited for the thread to end, and was cut short by the 2 s)
    expect(run.messages).toContainEqual('Forced stop: gave up on thread "exec" (blocked in a native call)');
    expect(run.messages).toContainEqual(
      expect.stringMatching(/^1 worker thread\(s\) did not end when terminated: .* SIGKILL instead of exit code 1\.$/),
    );
    expect(run.signal).toBe('SIGKILL');
  });

  it('in a pooled action: the pool ends without it, and run() ends the process (SIGKILL)', async () => {
    const run = await runBlocked(0, 1, true);
    expect(run.guarded).toBe(false);
    expect(run.messages).toContainEqual(expect.stringMatching(/stopped; abandoned action\(s\): exec$/));
    expect(run.lines).toContainEqual({ resolved: 1 });
    expect(run.messages).toContainEqual(
      expect.stringMatching(/^1 worker thread\(s\) did not end when terminated: .* SIGKILL instead of exit code 1\.$/),
    );
    expect(run.signal).toBe('SIGKILL');
  });

  it('in a pooled action, does not hold a forced stop past its 2 s either (its call cancelled, its worker left blocked)', async () => {
    const run = await runBlocked(0, 2, true, 60_000);
    expect(run.guarded).toBe(false);
    expect(run.messages).toContainEqual(expect.stringMatching(/forcing the stop; the process ends within 2 s$/));
    expect(run.messages).toContainEqual(
      expect.stringMatching(/^1 worker thread\(s\) did not end when terminated: .* SIGKILL instead of exit code 1\.$/),
    );
    expect(run.signal).toBe('SIGKILL');
  });

  it('ends the process with SIGKILL on a signal after the stop, too (a plain exit waited for the worker)', async () => {
    const run = await runBlocked(300, 2, false, 300, true);
    expect(run.guarded).toBe(false);
    expect(run.messages).toContainEqual(
      expect.stringMatching(/^1 worker thread\(s\) did not end when terminated: .* SIGKILL instead of exit code 1\.$/),
    );
    expect(run.signal).toBe('SIGKILL');
  });
});

describe('a thread blocked in a native call, stopped in-process', () => {
  const t = appPerTest('blocked_in_process');

  it('is reported as blocked, and not as stalled once terminated (its stall window ending after the stop)', async () => {
    const stalled: string[] = [];
    t.app.on('stalled', ({ name }) => stalled.push(name));
    t.app.thread('exec', fixture('exec-sleep.mjs'), { shutdownTimeoutMs: 100, stallTimeoutMs: 2_500, workerData: { seconds: 5 } });
    await t.start();
    await waitFor(() => t.records.some((r) => r.message === 'exec'), 'the thread in its child process');
    const result = await t.app.stopThread('exec');
    expect(result).toMatchObject({ terminated: true, blocked: true });
    // the thread's last beat is about 1.1 s old here: its stall window (2.5 s) ends while it is still blocked
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(stalled).toEqual([]);
    expect(t.records.map((r) => r.message)).not.toContainEqual(expect.stringMatching(/is stalled/));
  });
});
