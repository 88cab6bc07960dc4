// monitor_apis from the seed: check each endpoint, store its status in the shared map the
// get_api_status action reads, warn about errors, and wait for the next cycle. Not in the seed:
// after each cycle the thread broadcasts a summary (t.broadcast) for whoever listens.
import { defineThread, directLogger } from 'daebus/thread';
import { describeError } from '../../shared/describe-error';
import { httpGet } from './http-get';
import type { ApiMonitorSettings, ApiStatus, StatusSummary } from './settings';

export default defineThread<ApiMonitorSettings>(async (running, t) => {
  const { endpoints, timeoutMs, intervalMs, statusChannel } = t.workerData;
  // Status storage (a dict behind a lock in the seed; each set() here is atomic)
  const apiStatus = t.map<ApiStatus>('api_status');
  while (running()) {
    for (const [apiName, url] of Object.entries(endpoints)) {
      try {
        const startTime = performance.now();
        const response = await httpGet(url, { timeoutMs, signal: t.signal });
        const latency = performance.now() - startTime;
        const status: ApiStatus = {
          status: response.statusCode === 200 ? 'up' : 'degraded',
          status_code: response.statusCode,
          latency_ms: Math.round(latency * 100) / 100,
          checked_at: Date.now() / 1000,
        };
        await apiStatus.set(apiName, status);
        if (response.statusCode !== 200) {
          directLogger.warn(`API ${apiName} returned ${response.statusCode}`);
        }
      } catch (e) {
        if (!running()) break; // the stop aborted a check under way: that API is not down
        await apiStatus.set(apiName, {
          status: 'down',
          error: describeError(e),
          checked_at: Date.now() / 1000,
        });
        directLogger.error(`Error monitoring ${apiName}: ${describeError(e)}`);
      }
    }
    if (!running()) break;
    // Not in the seed: broadcast a summary of the cycle on the status channel
    await broadcastSummary(t.name, await apiStatus.snapshot(), (payload) => t.broadcast(statusChannel, payload));
    // Wait before next check cycle
    await t.sleep(intervalMs);
  }
});

async function broadcastSummary(
  source: string,
  statuses: Record<string, ApiStatus>,
  send: (summary: StatusSummary) => Promise<number>,
): Promise<void> {
  const summary: StatusSummary = { source, apis: {}, up: 0, degraded: 0, down: 0, checked_at: Date.now() / 1000 };
  for (const [apiName, status] of Object.entries(statuses)) {
    summary.apis[apiName] = status.status;
    summary[status.status] += 1;
  }
  try {
    await send(summary);
  } catch (e) {
    directLogger.error(`Could not broadcast the status summary: ${describeError(e)}`);
  }
}
