// continuous_worker from the seed. Starts with the service, runs until it stops, and is shut
// down properly when the service exits (Ctrl-C).
import { defineThread, directLogger } from 'daebus/thread';
import { describeError } from '../../shared/describe-error';
import { processWorkItems } from './work';

export default defineThread(async (running, t) => {
  // 'running' is a function that returns false when the app is stopping
  directLogger.info('Worker thread started');
  while (running()) {
    // This loops until the application exits
    try {
      // Do some work
      processWorkItems();
      // Sleep briefly to prevent CPU hogging (a stop ends the sleep at once)
      await t.sleep(100);
    } catch (e) {
      directLogger.error(`Error in worker thread: ${describeError(e)}`);
    }
  }
  directLogger.info('Worker thread stopping');
});
