// manage_connections from the seed: thread-local state (the connections and a retry count),
// reconnection of dead connections, discovery of new hosts, and backoff after errors.
import { defineThread, directLogger } from 'daebus/thread';
import { describeError } from '../../shared/describe-error';
import { establishConnection, type Connection } from './connection';
import { discoverHosts } from './discovery';
import type { ConnectionManagerSettings } from './settings';

export default defineThread<ConnectionManagerSettings>(async (running, t) => {
  const { discoveryUrl, secondMs } = t.workerData;
  // Initialize thread-local state
  const connections = new Map<string, Connection>();
  let retryCount = 0;
  // Not in the seed: what the service's get_status action reports (see service.ts)
  t.on('status', () => ({
    connections: Object.fromEntries([...connections].map(([host, conn]) => [host, conn.isActive() ? 'active' : 'inactive'])),
    retry_count: retryCount,
  }));
  while (running()) {
    try {
      // Monitor and manage connections
      for (const [host, conn] of [...connections]) {
        if (!conn.isActive()) {
          // Reconnect if needed
          connections.set(host, await establishConnection(host, t.signal));
          directLogger.info(`Reconnected to ${host}`);
        }
      }
      // Check for new hosts to connect
      const newHosts = await discoverHosts(discoveryUrl, t.signal);
      for (const host of newHosts) {
        if (!connections.has(host)) {
          connections.set(host, await establishConnection(host, t.signal));
          directLogger.info(`Connected to new host: ${host}`);
        }
      }
      // Reset retry counter on successful iteration
      retryCount = 0;
      await t.sleep(5 * secondMs); // Check every 5 seconds
    } catch (e) {
      if (!running()) break; // the stop aborted a connect or a discovery under way
      retryCount += 1;
      directLogger.error(`Connection error (retry ${retryCount}): ${describeError(e)}`);
      await t.sleep(Math.min(30, retryCount * 5) * secondMs); // Back off: 5 s, 10 s, ... 30 s
    }
  }
  // Not in the seed, which leaves it to the process exit: close what is still open.
  for (const conn of connections.values()) conn.close();
  directLogger.info(`Closed ${connections.size} connection(s)`);
});
