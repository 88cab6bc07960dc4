// The built `daebus` bin run as a user runs it, in its own process, on the test Redis.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { join } from 'node:path';
import { fixture } from './helpers';
import { TEST_REDIS_URL } from './redis-server';

export const BIN = join(__dirname, '..', '..', 'dist', 'cli', 'index.js');

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a user who set nothing: no REDIS_URL, no admin token. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  if (!('REDIS_URL' in extra)) delete env.REDIS_URL;
  if (!('DAEBUS_ADMIN_TOKEN' in extra)) delete env.DAEBUS_ADMIN_TOKEN;
  return env;
}

/**
 * Start `daebus ...args` on the test Redis: the process, its output so far, and its end. stdout
 * is a pipe unless `stdout` is a file descriptor; `terminal`: stdout and stderr count as a terminal.
 */
export function startCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdout?: number | 'pipe'; terminal?: boolean } = {},
): { child: ChildProcess; out: Ran; done: Promise<Ran> } {
  const stdio: StdioOptions = ['ignore', options.stdout ?? 'pipe', 'pipe'];
  const preload = options.terminal === true ? ['--require', fixture('fake-tty.cjs')] : [];
  const child = spawn(process.execPath, [...preload, BIN, '--redis', TEST_REDIS_URL, ...args], { env: cleanEnv(options.env), stdio });
  const out: Ran = { code: null, stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const done = new Promise<Ran>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ ...out, code }));
  });
  return { child, out, done };
}

/** A process of the CLI fixture service on `redisUrl` (a replica with REPLICAS=1 in `env`), added to `children`; resolves with it once it has started. */
export async function startFixtureService(
  service: string,
  redisUrl: string,
  children: ChildProcess[],
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture('cli-service.cjs'), service, redisUrl], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  children.push(child);
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.includes('"ready":true')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the service exited (${String(code)}) before it was ready`)));
  });
  return child;
}

/** Kill (SIGKILL) every process of `children` still running; resolves once each has exited. */
export async function killAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGKILL'))),
    ),
  );
}
