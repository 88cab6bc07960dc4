// data_processor from the seed: set up, process while running, and always clean up.
import { defineThread } from 'daebus/thread';
import { cleanupResources, processNextItem, setupResources } from './resources';

export default defineThread(async (running, t) => {
  const resources = await setupResources();
  // Not in the seed: counts for the service's get_status action (see service.ts)
  t.on('status', () => ({ processed: resources.processed, dir: resources.dir }));
  try {
    while (running()) {
      // Process items as long as the service is running
      await processNextItem(resources, t);
    }
  } finally {
    // Clean up resources when the thread is stopping
    await cleanupResources(resources);
  }
});
