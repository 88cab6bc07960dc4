import { existsSync } from 'node:fs';
import type { Daebus } from 'daebus';
import { built, logsOf, memoryLogger, waitFor } from './helpers';

const { createApp } = built<typeof import('../src/seed/processor/service')>('seed/processor/service');

describe('seed: processor (setup_resources / try / finally cleanup_resources)', () => {
  let app: Daebus | undefined;
  afterEach(async () => {
    await app?.stop();
  });

  it('sets up its resources, processes items, and cleans up after the stop', async () => {
    const { logger, records } = memoryLogger();
    app = createApp({ logger });
    await app.start();

    const ready = await waitFor('the resources', () => logsOf(records, 'processor', /^Resources ready/)[0]);
    const dir = ready.dir as string;
    expect(existsSync(dir)).toBe(true);
    await waitFor('processed items', () => logsOf(records, 'processor', /^Processed \d+ items$/)[0]);
    expect(logsOf(records, 'processor', /^Cleaned up/)).toEqual([]);

    const recordsBeforeStop = records.length;
    const result = await app.stopThread('processor');
    expect(result).toMatchObject({ terminated: false, state: 'stopped' });

    // The finally block ran: its record arrived, after the stop, and the directory is gone.
    const cleanup = await waitFor('the cleanup record', () => logsOf(records, 'processor', /^Cleaned up resources/)[0]);
    expect(cleanup).toMatchObject({ dir });
    expect(cleanup.processed).toBeGreaterThanOrEqual(10);
    expect(records.indexOf(cleanup)).toBeGreaterThanOrEqual(recordsBeforeStop);
    expect(existsSync(dir)).toBe(false);
  });
});
