// A service whose stdout reader goes away (`node svc.mjs | head -1`, a log shipper restarting):
// every log write then fails with EPIPE. The service must drop its log records quietly, go on
// answering, and still stop cleanly on SIGTERM; it used to log each EPIPE to the same closed
// stdout, forever, at full CPU, deaf to SIGTERM.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { DaebusCaller } from 'daebus';
import { fixture, waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

const NOTICE = 'stdout is closed (EPIPE): log records written to stdout are lost from now on.';

describe('a service whose stdout is closed', () => {
  it('drops its logs, says so once on stderr, still answers, and exits 0 on SIGTERM', async () => {
    const service = `closed_stdout_${randomUUID()}`;
    const child = spawn(process.execPath, [fixture('service.cjs'), 'chatty', service], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, REDIS_URL: TEST_REDIS_URL },
    });
    let stderr = '';
    const noticed = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes(NOTICE)) resolve();
      });
    });
    let exited = false;
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        exited = true;
        resolve({ code, signal });
      }),
    );
    // a generous bound: the old code never ended by itself, so the test must end it
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 10_000 });
    try {
      await new Promise<void>((resolve) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('listening on redis://')) resolve();
        });
      });
      child.stdout.destroy(); // the reader goes away: the child's next log line meets EPIPE
      let waited: NodeJS.Timeout | undefined;
      await Promise.race([noticed, new Promise((r) => (waited = setTimeout(r, 10_000)))]);
      clearTimeout(waited);
      const answer = exited ? undefined : await caller.sendRequest('alive').catch((err: unknown) => err);
      child.kill('SIGTERM');
      const outcome = await exit;
      expect(outcome).toEqual({ code: 0, signal: null });
      expect(answer).toEqual({ alive: true });
      expect(stderr.split(NOTICE).length - 1).toBe(1);
    } finally {
      clearTimeout(guard);
      if (!exited) child.kill('SIGKILL');
      await caller.close();
    }
  }, 60_000);
});

describe('a process that only imports daebus, or whose services have stopped', () => {
  // a caller script or a tool: `node script.mjs | head -1` must end as it does without daebus
  const printLines = `for (let i = 0; ; i++) { console.log('line', i); if (i % 1000 === 0) await new Promise((r) => setImmediate(r)); }`;
  const startStop = `const app = new Daebus('epipe_after_stop'); await app.start({ transport: 'memory' }); await app.stop();`;
  it.each([
    ['ESM', ['--input-type=module', '-e', `import 'daebus'; ${printLines}`]],
    ['CommonJS', ['-e', `require('daebus'); (async () => { ${printLines} })();`]],
    ['a service started and stopped', ['--input-type=module', '-e', `import { Daebus } from 'daebus'; ${startStop} ${printLines}`]],
  ])(
    '(%s) dies of EPIPE when its stdout reader goes away, as plain Node does',
    async (_kind, args) => {
      const child = spawn(process.execPath, args, { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );
      // a generous bound: the old code never ended by itself, so the test must end it
      const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
      try {
        await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
        child.stdout.destroy(); // as `| head -1` does after its line
        const outcome = await exit;
        expect(outcome.signal).toBeNull();
        expect(outcome.code).not.toBe(0);
        expect(stderr).toContain('EPIPE');
        expect(stderr).not.toContain('stdout is closed');
      } finally {
        clearTimeout(guard);
        child.kill('SIGKILL');
      }
    },
    60_000,
  );
});

describe('a service whose stdout reader is slower than its logging', () => {
  it('keeps about 8 MiB waiting in stdout, drops the rest, and says how many on stderr once it drains', async () => {
    const child = spawn(process.execPath, [fixture('log-pipe.cjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      // nothing read while the thread logs: the pipe fills, and stdout keeps what is written; the
      // drops are said every second meanwhile (stdout never drains), so two lines come before the end
      await waitFor(() => (stderr.match(/log record\(s\) dropped/g)?.length ?? 0) >= 2, 'two reports of drops during the flood', 30_000);
      child.kill('SIGUSR2');
      child.stdout.resume();
      expect(await exit).toBe(0);
    } finally {
      clearTimeout(guard);
    }
    const { maxWaiting } = JSON.parse(stderr.split('\n').find((line) => line.startsWith('{')) ?? '{}') as { maxWaiting?: number };
    // before: 30 MB and more in 2 s, and growing with the logging; now 8 MiB and what 100 ms more of it adds
    expect(maxWaiting).toBeLessThan(24 * 1024 * 1024);
    expect(stderr).toMatch(/^daebus: \d+ log record\(s\) dropped: stdout did not take them as fast as they were logged\.$/m);
    // said while the flood went on (stdout never drained then), not only once it drained
    expect(stderr.match(/log record\(s\) dropped/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('loses nothing of a burst logged in one synchronous loop to a reader that keeps up', async () => {
    // 12 MB in one loop: past the 8 MiB bound before the reader can take any of it (before the
    // drop waited for a turn of the event loop and 100 ms, about 17,000 of the 60,000 were lost)
    const child = spawn(process.execPath, [fixture('log-burst.cjs')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      for (const byte of chunk) if (byte === 10) lines += 1;
    });
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(stderr).not.toMatch(/dropped/);
    const bursts = lines - 2; // the service's own start and stop lines
    expect(bursts).toBe(60_000);
  });
});

describe('a service whose write to stdout fails while stdout stays open', () => {
  // ENOBUFS: Node refuses one write of more than 2 GiB (all that waits in stdout); later writes go
  it('says so once on stderr and goes on writing its records to stdout', async () => {
    const script = `import { Daebus, directLogger } from 'daebus';
      const app = new Daebus('enobufs_${randomUUID().replace(/-/g, '_')}');
      await app.start({ transport: 'memory' });
      const err = Object.assign(new Error('write ENOBUFS'), { code: 'ENOBUFS', syscall: 'write' });
      process.stdout.emit('error', err);
      process.stdout.emit('error', err);
      directLogger.info('written after the failure');
      await app.stop();`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    try {
      const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
      expect(code).toBe(0);
      expect(stdout).toContain('written after the failure');
      expect(stderr).not.toContain('stdout is closed');
      expect(stderr.split('a write to stdout failed (ENOBUFS)').length - 1).toBe(1);
    } finally {
      clearTimeout(guard);
      child.kill('SIGKILL');
    }
  }, 60_000);
});
