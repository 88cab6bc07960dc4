import type { Daebus, DaebusCaller } from 'daebus';
import { built, callerFor, logsOf, memoryLogger, TRANSPORTS, uniqueName, waitFor, type LogRecord } from './helpers';

const { createApp } = built<typeof import('../src/seed/data-collector/service')>('seed/data-collector/service');
const { DataSource } = built<typeof import('../src/seed/data-collector/data-source')>('seed/data-collector/data-source');
type DataSource = import('../src/seed/data-collector/data-source').DataSource;

type CurrentData = Record<string, unknown> & { reading?: number };

describe('seed: data collector (collect_data, get_current_data)', () => {
  describe.each(TRANSPORTS)('over %s', (_name, transport) => {
    let app: Daebus | undefined;
    let source: DataSource | undefined;
    let caller: DaebusCaller | undefined;
    let records: LogRecord[] = [];
    const currentData = async (): Promise<CurrentData> => (await caller!.sendRequest('get_current_data')) as CurrentData;

    beforeEach(async () => {
      source = await DataSource.start();
      const memory = memoryLogger();
      records = memory.records;
      const service = uniqueName('data_collector');
      app = createApp({ url: source.url, logger: memory.logger, intervalMs: 50, errorDelayMs: 100 });
      await app.start({ service, ...transport() });
      caller = callerFor(service, transport());
    });

    afterEach(async () => {
      await caller?.close();
      await app?.stop();
      await source?.close();
    });

    it('answers get_current_data with what the thread collected, and with newer data later', async () => {
      const first = await waitFor('collected data', async () => {
        const data = await currentData();
        return typeof data.reading === 'number' && data;
      });
      expect(first).toEqual({
        reading: expect.any(Number),
        temperature_c: expect.any(Number),
        humidity_pct: expect.any(Number),
        measured_at: expect.any(Number),
      });
      await waitFor('a later reading', async () => ((await currentData()).reading ?? 0) > first.reading!);
    });

    it('keeps the last data through collection errors, and collects again once the source is back', async () => {
      await waitFor('collected data', async () => typeof (await currentData()).reading === 'number');
      source!.available = false;
      await waitFor('a logged collection error', () => logsOf(records, 'data_collector', /^Data collection error: .* answered 503$/)[0]);
      // Nothing new was served since, so the map still holds the last reading served.
      const kept = await currentData();
      expect(kept.reading).toBe(source!.readings);

      source!.available = true;
      await waitFor('a reading after the errors', async () => ((await currentData()).reading ?? 0) > kept.reading!);
      expect(app!.threads.data_collector).toMatchObject({ state: 'running', restarts: 0 });
    });
  });
});
