// The queue processor run as three replicas on one Redis (service-wide queue and results): jobs
// submitted through any replica are processed by some replica, check_job answers from any of
// them, and a job being processed when its replica is killed is processed again elsewhere.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DaebusCaller } from 'daebus';
import { TEST_REDIS_URL, uniqueName, waitFor } from './helpers';

jest.setTimeout(90_000);

const SERVICE_JS = join(__dirname, '..', 'dist', 'seed', 'queue-processor', 'service.js');

interface Replica {
  child: ChildProcess;
  exited: Promise<number | null>;
  ready: Promise<void>;
  /** The ids of the jobs it finished, from its log. */
  processed: string[];
}

function startReplica(service: string): Replica {
  const child = spawn(process.execPath, [SERVICE_JS, '--replica', '--service', service], {
    env: { ...process.env, REDIS_URL: TEST_REDIS_URL, PROCESS_MS: '300', LOG_FORMAT: 'json' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const processed: string[] = [];
  let buffered = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const message = String((JSON.parse(line) as { message?: unknown }).message);
      if (message.startsWith('Replica of')) markReady();
      const done = /^Processed item (.+)$/.exec(message);
      if (done) processed.push(done[1] as string);
    }
  });
  return { child, exited: new Promise((resolve) => child.once('exit', resolve)), ready, processed };
}

describe('seed: queue processor as three replicas', () => {
  const service = uniqueName('queue_processor');
  let replicas: Replica[] = [];
  let caller: DaebusCaller | undefined;

  afterAll(async () => {
    await caller?.close();
    for (const r of replicas) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
  });

  it('processes every job once somewhere, answers check_job from any replica, and survives the death of one', async () => {
    replicas = [startReplica(service), startReplica(service), startReplica(service)];
    await Promise.all(replicas.map((r) => r.ready));
    caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
    await waitFor('three live replicas', async () => (await caller!.replicas()).length === 3);

    const ids: string[] = [];
    for (let i = 0; i < 15; i++)
      ids.push(((await caller.sendRequest('submit_job', { text: `job number ${i}` })) as { job_id: string }).job_id);
    // kill a replica in the middle of its work: it holds the job it was processing
    const [victim, ...survivors] = replicas as [Replica, ...Replica[]];
    await waitFor('the victim to finish a job', () => victim.processed.length > 0 || undefined);
    victim.child.kill('SIGKILL');
    await victim.exited;

    const statuses = new Map<string, string>();
    await waitFor(
      'every job completed',
      async () => {
        for (const id of ids) statuses.set(id, ((await caller!.sendRequest('check_job', { job_id: id })) as { status: string }).status);
        return [...statuses.values()].every((s) => s === 'completed');
      },
      60_000,
    );
    const all = replicas.flatMap((r) => r.processed);
    expect(new Set(all)).toEqual(new Set(ids));
    expect(replicas.filter((r) => r.processed.length > 0).length).toBeGreaterThan(1); // the work was shared
    const twice = ids.filter((id) => all.filter((p) => p === id).length > 1);
    console.log(`queue processor, 3 replicas, one killed: ${ids.length} jobs, ${twice.length} processed twice`);

    for (const r of survivors) r.child.kill('SIGTERM');
    expect(await Promise.all(survivors.map((r) => r.exited))).toEqual([0, 0]);
  });
});
