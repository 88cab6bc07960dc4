// continuous_worker from the seed. Starts with the service, runs until it stops, and is shut
// down properly when the service exits (Ctrl-C).
import { defineThread, directLogger } from 'daebus/thread';
import { describeError } from '../../shared/describe-error';
import { processedCount, processWorkItems } from './work';

export default defineThread(async (running, t) => {
  // 'running' is a function that returns false when the app is stopping
  directLogger.info('Worker thread started');
  // Not in the seed: counts for the service's get_status action (see service.ts)
  let errors = 0;
  t.on('status', () => ({ processed: processedCount(), errors }));
  while (running()) {
    // This loops until the application exits
    try {
      // Do some work
      processWorkItems();
      // Sleep briefly to prevent CPU hogging (a stop ends the sleep at once)
      await t.sleep(100);
    } catch (e) {
      errors += 1;
      directLogger.error(`Error in worker thread: ${describeError(e)}`);
    }
  }
  directLogger.info('Worker thread stopping');
});
