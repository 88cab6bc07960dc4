// monitor_system from the seed. Thread code logs with directLogger from 'daebus/thread', which
// sends each record to the service's logger with the thread's name attached.
import { freemem, loadavg, uptime } from 'node:os';
import { defineThread, directLogger } from 'daebus/thread';
import { describeError } from '../../shared/describe-error';

export interface MonitoringSettings {
  intervalMs: number;
}

export default defineThread<MonitoringSettings>(async (running, t) => {
  const { intervalMs } = t.workerData;
  while (running()) {
    try {
      // This is correct
      directLogger.info('System monitoring active', systemStatus());
      // A request's context-based logger would not work here: a thread serves no request.
      await t.sleep(intervalMs);
    } catch (e) {
      directLogger.error(`Monitoring error: ${describeError(e)}`);
    }
  }
});

function systemStatus(): Record<string, number> {
  return {
    loadAverage: Number((loadavg()[0] ?? 0).toFixed(2)),
    freeMemoryMiB: Math.round(freemem() / 2 ** 20),
    systemUptimeS: Math.round(uptime()),
  };
}
