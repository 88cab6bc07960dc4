// A private Redis Sentinel monitoring a primary, for tests of deployments found through Sentinel.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort } from './free-port';
import { waitFor } from './helpers';

/**
 * A sentinel (redis-server --sentinel) monitoring the primary at 127.0.0.1:`primaryPort` under
 * `name`; resolves with its port once it names that primary. Killed when the test file is done.
 */
export async function privateSentinel(primaryPort: number, name = 'primary'): Promise<number> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'daebus-test-sentinel-'));
  const config = join(dir, 'sentinel.conf');
  writeFileSync(
    config,
    [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 1`, ''].join('\n'),
  );
  const child = spawn('redis-server', [config, '--sentinel'], { stdio: 'ignore' });
  sentinels.push({ child, dir });
  const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => 50 });
  try {
    await waitFor(async () => (await probe.call('SENTINEL', 'get-master-addr-by-name', name).catch(() => null)) !== null, 'the sentinel');
  } finally {
    probe.disconnect();
  }
  return port;
}

const sentinels: { child: ChildProcess; dir: string }[] = [];
afterAll(() => {
  for (const { child, dir } of sentinels.splice(0)) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
