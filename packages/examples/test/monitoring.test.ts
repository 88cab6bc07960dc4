import type { Daebus } from 'daebus';
import { built, logsOf, memoryLogger, waitFor } from './helpers';

const { createApp } = built<typeof import('../src/seed/monitoring/service')>('seed/monitoring/service');

describe('seed: monitoring (monitor_system with directLogger)', () => {
  let app: Daebus | undefined;
  afterEach(async () => {
    await app?.stop();
  });

  it("logs through directLogger into the service's logger, tagged with the thread", async () => {
    const { logger, records } = memoryLogger();
    app = createApp({ logger, intervalMs: 50 });
    await app.start();

    const lines = await waitFor('three monitoring records', () => {
      const found = logsOf(records, 'monitoring', /^System monitoring active$/);
      return found.length >= 3 && found;
    });
    expect(lines[0]).toMatchObject({ level: 'info', thread: 'monitoring' });
    expect(typeof lines[0]?.loadAverage).toBe('number');
    expect(typeof lines[0]?.freeMemoryMiB).toBe('number');
  });

  it('stops in the middle of its 60 s sleep without being terminated', async () => {
    const { logger, records } = memoryLogger();
    app = createApp({ logger });
    await app.start();
    await waitFor('the first record', () => logsOf(records, 'monitoring', /^System monitoring active$/)[0]);

    // The default shutdownTimeoutMs is 5 s; a sleep that did not wake up would be terminated.
    const result = await app.stopThread('monitoring');
    expect(result).toMatchObject({ terminated: false, state: 'stopped' });
    expect(app.threads.monitoring?.lastExit).toMatchObject({ reason: 'stopped', terminated: false });
  });
});
