// collect_data from the seed: fetch new data and copy it into the shared map that the
// get_current_data action reads. The seed guards a dict with a threading.Lock; here the map
// lives on the main thread and merge() applies all the new entries in one atomic step, so an
// action never sees half an update.
import { defineThread, directLogger } from 'daebus/thread';
import { describeError } from '../../shared/describe-error';
import { fetchExternalData } from './external';
import type { DataCollectorSettings } from './settings';

export default defineThread<DataCollectorSettings>(async (running, t) => {
  const { url, intervalMs, errorDelayMs } = t.workerData;
  // Shared resources
  const sharedData = t.map('shared_data');
  while (running()) {
    try {
      // Collect new data
      const newData = await fetchExternalData(url, t.signal);
      // Update shared data with thread safety (for key, value in new_data.items(): shared_data[key] = value)
      await sharedData.merge(newData);
      await t.sleep(intervalMs); // Collect every 10 seconds
    } catch (e) {
      if (!running()) break; // the stop aborted a fetch under way
      directLogger.error(`Data collection error: ${describeError(e)}`);
      await t.sleep(errorDelayMs); // Longer sleep on error
    }
  }
});
