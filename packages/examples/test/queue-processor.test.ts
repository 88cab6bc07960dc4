import type { Daebus, DaebusCaller } from 'daebus';
import { built, callerFor, logsOf, memoryLogger, rejectionOf, TRANSPORTS, uniqueName, waitFor, type LogRecord } from './helpers';

const { createApp } = built<typeof import('../src/seed/queue-processor/service')>('seed/queue-processor/service');

interface JobStatus {
  job_id: string;
  status: 'queued' | 'completed' | 'not_found';
  position?: number;
  result?: Record<string, unknown>;
}

describe('seed: queue processor (process_queue, submit_job, check_job)', () => {
  describe.each(TRANSPORTS)('over %s', (_name, transport) => {
    let app: Daebus | undefined;
    let caller: DaebusCaller | undefined;
    let records: LogRecord[] = [];
    const submit = async (text: string): Promise<string> => {
      const reply = (await caller!.sendRequest('submit_job', { text })) as { job_id: string; status: string };
      expect(reply).toEqual({ job_id: expect.any(String), status: 'queued' });
      return reply.job_id;
    };
    const check = async (jobId: string): Promise<JobStatus> => (await caller!.sendRequest('check_job', { job_id: jobId })) as JobStatus;

    beforeEach(async () => {
      const memory = memoryLogger();
      records = memory.records;
      const service = uniqueName('queue_processor');
      // Each job takes 500 ms, so jobs submitted together wait in the queue for a while.
      app = createApp({ logger: memory.logger, processMs: 500 });
      await app.start({ service, ...transport() });
      caller = callerFor(service, transport());
    });

    afterEach(async () => {
      await caller?.close();
      await app?.stop();
    });

    it('processes a submitted job and answers check_job with its result', async () => {
      const jobId = await submit('hello background threads');
      const done = await waitFor('the completed job', async () => {
        const status = await check(jobId);
        return status.status === 'completed' && status;
      });
      expect(done).toEqual({
        job_id: jobId,
        status: 'completed',
        result: { words: 3, characters: 24, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), processed_at: expect.any(Number) },
      });
      await waitFor('the processed record', () => logsOf(records, 'queue_processor', new RegExp(`^Processed item ${jobId}$`))[0]);
    });

    it('answers queued with a position that goes down while the jobs ahead are processed', async () => {
      const jobIds: string[] = [];
      for (let i = 0; i < 4; i += 1) jobIds.push(await submit(`job number ${i}`));
      const last = jobIds[3]!;

      const first = await check(last);
      expect(first).toEqual({ job_id: last, status: 'queued', position: expect.any(Number) });
      expect(first.position).toBeGreaterThanOrEqual(0);
      expect(first.position).toBeLessThanOrEqual(3);

      // Follow the last job to its result. Its position only ever goes down; as in the seed, it
      // reads as not_found while the thread works on it (neither queued nor completed).
      const seen: JobStatus[] = [first];
      await waitFor('the last job completed', async () => {
        const status = await check(last);
        seen.push(status);
        return status.status === 'completed';
      });
      const positions = seen.filter((s) => s.status === 'queued').map((s) => s.position!);
      expect(positions).toEqual([...positions].sort((a, b) => b - a));
      const order = seen.map((s) => s.status).filter((s, i, all) => s !== all[i - 1]);
      expect(['queued,completed', 'queued,not_found,completed']).toContain(order.join(','));
      for (const jobId of jobIds) expect((await check(jobId)).status).toBe('completed');
    });

    it('answers not_found for a job it never had', async () => {
      await expect(check('no-such-job')).resolves.toEqual({ job_id: 'no-such-job', status: 'not_found' });
    });

    it('answers check_job without a job_id with the error "Missing job_id parameter"', async () => {
      const error = await rejectionOf(caller!.sendRequest('check_job', {}));
      expect(error).toMatchObject({ code: 'REMOTE_ERROR', message: 'Missing job_id parameter' });
    });
  });
});
