// Seed: "Always use direct_logger instead of the context-based logger in background threads".
//   node dist/seed/monitoring/service.js          (MONITORING_INTERVAL_MS=5000 for a line every 5 s)
import { join } from 'node:path';
import { Daebus, type Logger } from 'daebus';
import type { MonitoringSettings } from './thread';

export interface CreateAppOptions {
  /** Where every record goes, the thread's included. Default: daebus's `directLogger`. */
  logger?: Logger;
  /** Time between checks. Default 60 000 ms, the seed's `time.sleep(60)`. */
  intervalMs?: number;
}

/** The service with its one thread, ready to `run()`; tests start and stop it in-process. */
export function createApp(options: CreateAppOptions = {}): Daebus {
  const app = new Daebus('monitoring', { logger: options.logger });
  const settings: MonitoringSettings = { intervalMs: options.intervalMs ?? 60_000 };
  app.thread('monitoring', join(__dirname, 'thread.js'), { workerData: settings });
  return app;
}

if (require.main === module) {
  const fromEnv = Number(process.env.MONITORING_INTERVAL_MS);
  void createApp(fromEnv > 0 ? { intervalMs: fromEnv } : {}).run({ service: 'monitoring' });
}
