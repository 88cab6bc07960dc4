// A real Python Daebus service (test/support/python/real_daebus_peer.py in `service` mode, as
// python-daebus.test.ts runs it), for tests of other files. A machine without the Python
// dependencies skips them: see pythonUnavailable().
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const DAEBUS_PY = join(__dirname, 'python', 'daebus-py');
const PYTHON = '/usr/bin/python3';
const PEER = join(__dirname, 'python', 'real_daebus_peer.py');
const PYTHON_ENV = { ...process.env, PYTHONPATH: DAEBUS_PY, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' };

/** Why the real Python package cannot be run here, or undefined when it can. */
export function pythonUnavailable(): string | undefined {
  if (!existsSync(join(DAEBUS_PY, 'daebus', '__init__.py'))) return `the Python Daebus package is not at ${DAEBUS_PY}`;
  for (const module of ['redis', 'daebus']) {
    const probe = spawnSync(PYTHON, ['-c', `import ${module}`], { env: PYTHON_ENV, encoding: 'utf8', timeout: 20_000 });
    if (probe.error || probe.status !== 0) return `${PYTHON} -c "import ${module}" failed`;
  }
  return undefined;
}

/** A running Python Daebus service: stop() ends it. */
export interface PythonService {
  stop(): Promise<void>;
}

/** Start a real Python Daebus service on channel `service` of the Redis at `redisUrl`; resolves once it is subscribed. */
export async function startPythonService(redisUrl: string, service: string): Promise<PythonService> {
  const address = new URL(redisUrl);
  const args = [PEER, 'service', address.hostname || '127.0.0.1', address.port || '6379', service];
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, args, { env: PYTHON_ENV, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.split('\n').includes('READY')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the Python service exited (${String(code)}) before READY\nstderr:\n${stderr}`)));
  });
  return { stop };
}
