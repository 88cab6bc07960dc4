// A private redis-server for tests that must stop, restart or configure one.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

/** The shared test server (scripts/test.mjs finds or starts it). */
export const TEST_REDIS_URL = process.env.DAEBUS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface PrivateRedis {
  port: number;
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A private server; `tls` makes it listen with TLS only (certificate and key files). */
export async function privateRedis(extraArgs: string[] = [], tls?: { cert: string; key: string }): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'daebus-test-redis-'));
  const listen = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        tls.cert,
        '--tls-key-file',
        tls.key,
        '--tls-ca-cert-file',
        tls.cert,
        '--tls-auth-clients',
        'no',
      ]
    : ['--port', String(port)];
  let child: ChildProcess | undefined;
  const server: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs], {
        stdio: 'ignore',
      });
      for (let i = 0; i < 200 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 25));
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((r) => running.once('exit', r));
      running.kill('SIGKILL');
      await exited;
    },
  };
  await server.start();
  cleanups.push(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

// every private server of a test file is gone when the file is done, whatever failed
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const fn of cleanups.splice(0)) await fn();
});

/** A private server for the tests of one file, and the apps they start on it: stopped, apps first, after the file. */
export function privateRedisPerFile(): { readonly redis: PrivateRedis; readonly apps: { stop(): Promise<unknown> }[] } {
  let redis: PrivateRedis | undefined;
  const apps: { stop(): Promise<unknown> }[] = [];
  beforeAll(async () => {
    redis = await privateRedis();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await redis?.stop();
  });
  return {
    get redis(): PrivateRedis {
      return redis as PrivateRedis;
    },
    apps,
  };
}
