import { existsSync } from 'node:fs';
import type { Daebus, DaebusCaller } from 'daebus';
import { built, callerFor, logsOf, memoryLogger, TRANSPORTS, uniqueName, waitFor } from './helpers';

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

  // get_status is not in the seed: the example's one action, so it is driven through a caller too.
  describe.each(TRANSPORTS)('get_status over %s', (_name, transport) => {
    let caller: DaebusCaller | undefined;
    afterEach(async () => {
      await caller?.close();
    });

    it('answers with the number of items processed and the resources directory', async () => {
      const { logger, records } = memoryLogger();
      const service = uniqueName('processor');
      app = createApp({ logger });
      await app.start({ service, ...transport() });
      caller = callerFor(service, transport());

      const ready = await waitFor('the resources', () => logsOf(records, 'processor', /^Resources ready/)[0]);
      const status = await waitFor('processed items', async () => {
        const current = (await caller!.sendRequest('get_status')) as { processed?: number };
        return (current.processed ?? 0) >= 2 && current;
      });
      expect(status).toEqual({ thread: 'running', restarts: 0, processed: expect.any(Number), dir: ready.dir });
    });
  });
});
