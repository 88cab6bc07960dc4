// The data collector's thread (collect_data), with one line more: after each collection the new
// readings are pushed to every WebSocket client. The connections live on the main side; the
// thread reaches them through t.websocket, as it reaches the shared map through t.map.
import { defineThread, directLogger } from 'daebus/thread';
import { describeError } from '../../shared/describe-error';
import { fetchExternalData } from '../data-collector/external';
import { SHARED_DATA, UPDATE_TYPE, type DataFeedSettings } from './settings';

export default defineThread<DataFeedSettings>(async (running, t) => {
  const { url, intervalMs, errorDelayMs } = t.workerData;
  const sharedData = t.map(SHARED_DATA);
  while (running()) {
    try {
      const newData = await fetchExternalData(url, t.signal);
      await sharedData.merge(newData);
      // { "type": "update", "data": { ...the new readings } } to every client
      await t.websocket.broadcastToAll(newData, UPDATE_TYPE);
      await t.sleep(intervalMs);
    } catch (e) {
      if (!running()) break; // the stop aborted a fetch under way
      directLogger.error(`Data collection error: ${describeError(e)}`);
      await t.sleep(errorDelayMs);
    }
  }
});
