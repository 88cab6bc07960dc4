// process_queue from the seed: take items off the shared work queue, process them, store the
// results where check_job finds them, and mark each task done.
import { defineThread, directLogger } from 'daebus/thread';
import { describeError } from '../../shared/describe-error';
import type { Job, JobResult, QueueProcessorSettings } from './job';
import { processItem } from './process-item';

export default defineThread<QueueProcessorSettings>(async (running, t) => {
  const { processMs, atLeastOnce } = t.workerData;
  // The service's work queue and results (app.queue / app.map on the main side)
  const workQueue = t.queue<Job>('work_queue');
  const results = t.map<JobResult>('results');
  directLogger.info('Queue processor started');
  while (running()) {
    try {
      // Try to get an item from the queue with a timeout
      // This allows the thread to check the running() condition regularly
      // (a stop also ends the wait at once, with undefined)
      const delivery = atLeastOnce ? await workQueue.receive(1000) : undefined;
      const item = atLeastOnce ? delivery?.item : await workQueue.get(1000);
      if (item === undefined) continue; // queue.Empty
      // Process the item
      const itemId = item.id;
      if (delivery?.redelivered) directLogger.warn(`Processing item ${itemId} again: its last consumer stopped before finishing it`);
      const result = await processItem(item, processMs, t);
      // Store the result (one atomic set on the map's owner: no lock needed)
      await results.set(itemId, result);
      // Mark the task as done (ack: done, and off the queue for good)
      if (delivery) await delivery.ack();
      else await workQueue.taskDone();
      directLogger.info(`Processed item ${itemId}`);
    } catch (e) {
      directLogger.error(`Error processing queue item: ${describeError(e)}`);
    }
  }
});
