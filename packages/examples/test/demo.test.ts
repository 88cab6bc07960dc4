// The README's first command, as a newcomer would run it in CI: stdout is a pipe, so the demo
// prints plain lines, stops by itself and summarises.
import { join } from 'node:path';
import { runNode } from './helpers';

const DEMO = join(__dirname, '..', 'dist', 'demo.js');

function runDemo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DEMO_SECONDS;
  return runNode(DEMO, [], env);
}

describe('the demo without a terminal', () => {
  it('runs its threads, shows the crashing thread restarted, stops by itself and exits 0', async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(stderr).toBe('');
    expect(code).toBe(0);

    expect(stdout).not.toContain('\x1b['); // plain lines, no terminal escapes
    expect(stdout).toMatch(/\[primes\] [\d,]+ primes below/);
    expect(stdout).toMatch(/\[monitor\] process uses/);
    expect(stdout).toMatch(/\[flaky\] Thread "flaky" crashed: Simulated crash/);
    expect(stdout).toMatch(/\[flaky\] Restarting thread "flaky" in \d+ ms/);
    expect(stdout).toMatch(/Service "demo" stopped; every action finished and every thread returned/);

    // The summary: the flaky thread restarted more than once, with growing delays.
    const summary = /^flaky: (\d+) restart\(s\), delays in ms: ([\d |]+)$/m.exec(stdout);
    expect(summary).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThanOrEqual(2);
    const delays = summary![2]!.split(' | ')[0]!.split(' ').map(Number);
    expect(delays[1]).toBeGreaterThan(delays[0]!);
    expect(stdout).toMatch(/^primes +stopped +0 /m);
  }, 60_000);
});
