// A replica whose Redis has gone away gets one SIGTERM, as an orchestrator sends it: it exits
// (0, or 1 for work given up), says in its log what it left in Redis, and writes nothing of
// ioredis's to stderr. A real child process, a private redis-server.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fixture, waitFor, within } from '../support/helpers';
import { privateRedis } from '../support/redis-server';

jest.setTimeout(120_000);

it('a replica exits after one SIGTERM while Redis is down', async () => {
  const server = await privateRedis();
  const child = spawn(process.execPath, [fixture('replica-echo.cjs'), `replica_down_${randomUUID()}`, server.url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await waitFor(() => stdout.includes('"ready":true'), 'the replica to start', 30_000);
    await server.stop(); // resolves once the server has exited: its connections are closed
    child.kill('SIGTERM');
    const code = await within(exited, 60_000, 'still running after 60 s');
    expect([0, 1]).toContain(code);
    const lines = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => String(line.message).startsWith('Redis is unreachable'))).toHaveLength(1);
    expect(stderr).not.toContain('Unhandled error event');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
