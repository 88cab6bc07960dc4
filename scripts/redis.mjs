// Finds a Redis server for the tests: REDIS_URL when set, else 127.0.0.1:6379 when it answers,
// else a private redis-server started on a free port (stopped by the caller), else a clear error.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Send PING over a raw socket; resolves true on +PONG (or an AUTH error: something answers). */
export function ping(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Resolves { url, stop } where stop() ends a private server (a no-op for an existing one). */
export async function ensureRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {}, source: 'REDIS_URL' };
  if (await ping('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', stop: async () => {}, source: 'local server on 6379' };

  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'daebus-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  const spawnError = await new Promise((resolve) => {
    child.once('error', resolve);
    child.once('spawn', () => resolve(undefined));
  });
  if (spawnError) {
    throw new Error(
      'No Redis server answers at 127.0.0.1:6379, REDIS_URL is not set, and redis-server could not be started ' +
        `(${spawnError.message}). Install Redis (Debian: apt-get install redis-server) or set REDIS_URL.`,
    );
  }
  for (let i = 0; i < 100 && !(await ping('127.0.0.1', port)); i++) await new Promise((r) => setTimeout(r, 50));
  if (!(await ping('127.0.0.1', port))) {
    child.kill('SIGKILL');
    throw new Error(`redis-server was started on port ${port} but does not answer; check that redis-server runs on this machine.`);
  }
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    rmSync(dir, { recursive: true, force: true });
  };
  return { url: `redis://127.0.0.1:${port}`, stop, source: `private redis-server on port ${port}` };
}
