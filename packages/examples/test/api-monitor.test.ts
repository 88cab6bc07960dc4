import { Daebus, type DaebusCaller } from 'daebus';
import { built, callerFor, logsOf, memoryLogger, TRANSPORTS, uniqueName, waitFor, type LogRecord } from './helpers';

const { createApp } = built<typeof import('../src/seed/api-monitor/service')>('seed/api-monitor/service');
const { ApiServer } = built<typeof import('../src/seed/api-monitor/api-server')>('seed/api-monitor/api-server');
type ApiServer = import('../src/seed/api-monitor/api-server').ApiServer;
type ApiStatus = import('../src/seed/api-monitor/settings').ApiStatus;
type StatusSummary = import('../src/seed/api-monitor/settings').StatusSummary;

describe('seed: API monitor (monitor_apis, get_api_status, a broadcast summary)', () => {
  describe.each(TRANSPORTS)('over %s', (_name, transport) => {
    let app: Daebus | undefined;
    let listener: Daebus | undefined;
    let server: ApiServer | undefined;
    let caller: DaebusCaller | undefined;
    let records: LogRecord[] = [];
    let statusChannel = '';
    const apiStatus = async (): Promise<Record<string, ApiStatus>> =>
      (await caller!.sendRequest('get_api_status')) as Record<string, ApiStatus>;

    beforeEach(async () => {
      server = await ApiServer.start();
      const memory = memoryLogger();
      records = memory.records;
      const service = uniqueName('api_monitor');
      // The seed's system_status, made unique: broadcast channels are server-wide too.
      statusChannel = uniqueName('system_status');
      // A check times out after 1 s (the seed's 5 s); a cycle every 200 ms (the seed's 30 s).
      app = createApp({ endpoints: server.endpoints, logger: memory.logger, timeoutMs: 1_000, intervalMs: 200, statusChannel });
      await app.start({ service, ...transport() });
      caller = callerFor(service, transport());
    });

    afterEach(async () => {
      await caller?.close();
      await listener?.stop();
      listener = undefined;
      await app?.stop();
      await server?.close();
    });

    it('reports each API as up, degraded or down, as the seed does', async () => {
      // (On a very busy machine a healthy API could miss the timeout once: wait for a cycle without that.)
      const status = await waitFor('a status for every API', async () => {
        const current = await apiStatus();
        return (
          Object.keys(current).length === 3 && current.users_api?.status === 'up' && current.orders_api?.status === 'degraded' && current
        );
      });
      expect(status.users_api).toEqual({ status: 'up', status_code: 200, latency_ms: expect.any(Number), checked_at: expect.any(Number) });
      expect(status.orders_api).toEqual({
        status: 'degraded',
        status_code: 500,
        latency_ms: expect.any(Number),
        checked_at: expect.any(Number),
      });
      expect(status.inventory_api).toEqual({
        status: 'down',
        error: expect.stringMatching(/inventory\/health: read timed out \(timeout=1 s\)$/),
        checked_at: expect.any(Number),
      });
      // The thread logs after it stores a status; its records may arrive a moment after the status.
      const warning = await waitFor('the warning', () => logsOf(records, 'api_monitor', /^API orders_api returned 500$/)[0]);
      expect(warning).toMatchObject({ level: 'warn' });
      const error = await waitFor(
        'the error',
        () => logsOf(records, 'api_monitor', /^Error monitoring inventory_api: .*read timed out/)[0],
      );
      expect(error).toMatchObject({ level: 'error' });

      // The checks go on: a later cycle has a later checked_at.
      await waitFor('a later check', async () => ((await apiStatus()).users_api?.checked_at ?? 0) > status.users_api!.checked_at);
    });

    it("broadcasts each cycle's summary, which a listening service receives", async () => {
      const received: StatusSummary[] = [];
      listener = new Daebus('status_listener', { logger: memoryLogger().logger });
      listener.listen(statusChannel, (payload) => {
        received.push(payload as StatusSummary);
      });
      await listener.start({ service: uniqueName('status_listener'), ...transport() });

      const summary = await waitFor('a summary with every API', () =>
        received.find((s) => Object.keys(s.apis).length === 3 && s.apis.users_api === 'up' && s.apis.orders_api === 'degraded'),
      );
      expect(summary).toEqual({
        source: 'api_monitor',
        apis: { users_api: 'up', orders_api: 'degraded', inventory_api: 'down' },
        up: 1,
        degraded: 1,
        down: 1,
        checked_at: expect.any(Number),
      });
    });
  });
});
