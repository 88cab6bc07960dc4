// Several apps in one process, each under run(): what run() does to the process is done for all
// of them. Before, one app's stop that gave up on user code ended the process (and the other
// app) 2 s later; the last app to stop set the exit code alone, hiding another's failure; one
// app's guard kept the process up on an error another had asked to crash on; and an escaped
// error was logged once per app.
import { spawnSync } from 'node:child_process';
import { fixture } from '../support/helpers';

jest.setTimeout(60_000);

function run(scenario: string): { lines: Array<Record<string, unknown>>; status: number | null; stderr: string } {
  const ran = spawnSync(process.execPath, [fixture('two-apps.cjs'), scenario], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, REDIS_URL: '' },
  });
  const lines = ran.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, status: ran.status, stderr: ran.stderr };
}

describe('two apps in one process, each under run()', () => {
  it('leave the process to the other when one stops giving up on user code, then end in bounded time', () => {
    const { lines, status, stderr } = run('a-gives-up');
    expect(stderr).not.toContain('TimeoutNegativeWarning'); // Node 24: a task with `immediately` set a timer of -0.01 ms
    expect(lines).toContainEqual({ aResolved: 0 });
    expect(lines).toContainEqual({ bTicking: true });
    expect(lines).toContainEqual({ bResolved: 0, exitCode: 0 });
    // the endless task holds a timer: the process ends by the 2 s bound, after the last stop
    expect(lines.some((l) => /Still running 2 s after the stop/.test(String(l.message)))).toBe(true);
    expect(status).toBe(0);
  });

  it('exit with the worst code: one app that abandoned an action is not hidden by the other’s clean stop', () => {
    const { lines, status } = run('a-fails');
    expect(lines).toContainEqual({ aResolved: 1 });
    expect(lines).toContainEqual({ bTicking: true });
    expect(lines).toContainEqual({ bResolved: 0, exitCode: 1 });
    expect(status).toBe(1);
  });

  it('leave the process to a run begun after the last one ended: no end forced by the earlier stop, no word', () => {
    const { lines, status } = run('b-after-a');
    expect(lines).toContainEqual({ aResolved: 0 });
    expect(lines).toContainEqual({ bTicking: true });
    expect(lines).toContainEqual({ bResolved: 0, exitCode: 0 });
    expect(lines.filter((l) => /^Still running/.test(String(l.message)))).toHaveLength(1); // after B's stop only
    expect(status).toBe(0);
  });

  it('log an escaped error once, and go on', () => {
    const { lines, status } = run('stray');
    expect(lines.filter((l) => String(l.message).includes('one stray error'))).toHaveLength(1);
    expect(lines).toContainEqual({ stillRunning: true });
    expect(status).toBe(0);
  });

  it('end the process on an escaped error when one of them asked for exitOnUncaughtError', () => {
    const { lines, status, stderr } = run('a-exits-on-uncaught');
    expect(lines).not.toContainEqual({ stillRunning: true });
    expect(stderr).toContain('one stray error');
    expect(status).toBe(1);
  });
});
