// Seed: "Process items from a queue continuously" (process_queue with the submit_job and
// check_job actions).
//   node dist/seed/queue-processor/service.js
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Daebus, directLogger, request, response, type Logger } from 'daebus';
import { startSelfClient } from '../../shared/self-client';
import type { Job, JobResult, QueueProcessorSettings } from './job';

export interface CreateAppOptions {
  /** Where every record goes, the thread's included. Default: daebus's `directLogger`. */
  logger?: Logger;
  /** How long processing one job takes. Default 2 000 ms. */
  processMs?: number;
  /**
   * Run as one of several replicas on one Redis: the queue and the results are service-wide, and
   * jobs are taken at-least-once (a job being processed when its replica dies is processed again).
   */
  replicated?: boolean;
}

/** The service with its thread and actions, ready to `run()`; tests start and stop it in-process. */
export function createApp(options: CreateAppOptions = {}): Daebus {
  const app = new Daebus('queue_processor', { logger: options.logger });
  // Create a thread-safe work queue (queue.Queue()) and the results (a dict behind a lock in the seed)
  const scope = options.replicated ? 'service' : 'process';
  const workQueue = app.queue<Job>('work_queue', { scope });
  const results = app.map<JobResult>('results', { scope });

  const settings: QueueProcessorSettings = { processMs: options.processMs ?? 2_000, atLeastOnce: options.replicated === true };
  app.thread('queue_processor', join(__dirname, 'thread.js'), { workerData: settings });

  // Action to add items to the queue
  app.action('submit_job', async () => {
    const jobData = request.payload;
    const jobId = randomUUID(); // generate_unique_id()
    // Add metadata to the job
    jobData.id = jobId;
    jobData.submitted_at = Date.now() / 1000; // time.time()
    // Add to the queue
    await workQueue.put(jobData as Job);
    return response.send({
      job_id: jobId,
      status: 'queued',
    });
  });

  // Action to check job results
  app.action('check_job', async () => {
    const jobId = request.payload.job_id;
    if (!jobId) {
      return response.error('Missing job_id parameter');
    }
    const id = String(jobId); // ids are strings (uuid4); a number sent by a caller is looked up as one
    const result = await results.get(id);
    if (result) {
      return response.send({
        job_id: jobId,
        status: 'completed',
        result: result,
      });
    } else {
      // Check if job is in queue (check_queue_position: its index among the waiting items, or -1).
      // As in the seed, a job the thread has taken but not finished is in neither place, so it
      // reads as not_found until its result is stored.
      const queuePosition = await workQueue.position(id);
      if (queuePosition >= 0) {
        return response.send({
          job_id: jobId,
          status: 'queued',
          position: queuePosition,
        });
      } else {
        return response.send({
          job_id: jobId,
          status: 'not_found',
        });
      }
    }
  });
  return app;
}

const SAMPLE_TEXTS = [
  'Background threads run continuously throughout the life of your service',
  'Process items from a queue continuously',
  'Maintain a persistent WebSocket connection',
  'Monitor external APIs and report status',
];

/**
 * As one replica of several (`--replica`, Redis from REDIS_URL; `--service NAME`, default
 * queue_processor; PROCESS_MS): no client of its own, the replicas share the work.
 */
async function replica(): Promise<void> {
  const at = process.argv.indexOf('--service');
  const service = at > 0 ? (process.argv[at + 1] as string) : 'queue_processor';
  const processMs = Number(process.env.PROCESS_MS) || undefined;
  const app = createApp({ replicated: true, ...(processMs ? { processMs } : {}) });
  app.onStart(() => directLogger.info(`Replica of "${service}" ready`, { pid: process.pid }));
  await app.run({ service, replicas: { visibilityTimeoutMs: 5_000 } });
}

async function main(): Promise<void> {
  if (process.argv.includes('--replica')) return replica();
  const logger = directLogger;
  // A client submits two jobs every 5 s and reports on the jobs it is waiting for.
  const waiting = new Set<string>();
  let submitted = 0;
  const stopClient = startSelfClient({
    service: 'queue_processor',
    logger,
    firstMs: 1_000,
    everyMs: 5_000,
    round: async (caller) => {
      for (let i = 0; i < 2; i += 1) {
        const text = SAMPLE_TEXTS[submitted % SAMPLE_TEXTS.length];
        submitted += 1;
        const reply = (await caller.sendRequest('submit_job', { text })) as { job_id: string };
        waiting.add(reply.job_id);
        logger.info(`client: submit_job -> ${JSON.stringify(reply)}`);
      }
      for (const jobId of [...waiting]) {
        const status = (await caller.sendRequest('check_job', { job_id: jobId })) as { status: string };
        // A job of ours that is not_found is the one being processed (see check_job).
        const note = status.status === 'not_found' ? ' (being processed: neither queued nor completed)' : '';
        logger.info(`client: check_job -> ${JSON.stringify(status)}${note}`);
        if (status.status === 'completed') waiting.delete(jobId);
      }
    },
  });
  try {
    await createApp({ logger }).run({ service: 'queue_processor' });
  } finally {
    await stopClient();
  }
}

if (require.main === module) {
  void main();
}
