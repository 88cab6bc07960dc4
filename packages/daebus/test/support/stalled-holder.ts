// Replicas of the replica fixture, one of which is stopped (SIGSTOP) while it holds the service
// channel's lease: what the stalled-holder tests start from.
import { spawn, type ChildProcess } from 'node:child_process';
import type Redis from 'ioredis';
import type { DaebusCaller } from 'daebus';
import { fixture, onJsonLines, waitFor } from './helpers';
import { TEST_REDIS_URL } from './redis-server';

/** A replica of `service` (the replica fixture, with `env`), added to `children`; resolves once it has started. */
export function startFixtureReplica(service: string, children: ChildProcess[], env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [fixture('replica.cjs'), service, TEST_REDIS_URL], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    onJsonLines(child.stdout, (line) => line.ready === true && resolve(child));
    child.once('exit', (code) => reject(new Error(`the replica exited (${String(code)}) before it was ready`)));
  });
}

/** SIGSTOP the replica among `children` that holds `service`'s channel lease; resolves with it and its id. */
export async function stopLeaseHolder(
  service: string,
  children: ChildProcess[],
  redis: Redis,
  caller: DaebusCaller,
): Promise<{ stalled: ChildProcess; holderId: string }> {
  const ingestKey = `daebus:{${service}}:ingest`;
  await waitFor(async () => (await redis.get(ingestKey)) !== null, 'a replica holding the lease');
  const holderId = (await redis.get(ingestKey)) as string;
  const holder = (await caller.replicas()).find((replica) => replica.id === holderId);
  const stalled = children.find((child) => child.pid === holder?.pid) as ChildProcess;
  stalled.kill('SIGSTOP');
  return { stalled, holderId };
}

/** Wake and end every child, close `caller`, and delete `service`'s keys. */
export async function cleanUpReplicas(service: string, children: ChildProcess[], redis: Redis, caller: DaebusCaller): Promise<void> {
  for (const child of children) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await caller.close();
  const keys = await redis.keys(`*{${service}}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
