import type { Daebus, DaebusCaller } from 'daebus';
import { built, callerFor, logsOf, memoryLogger, TRANSPORTS, uniqueName, waitFor, type LogRecord } from './helpers';

const { createApp } = built<typeof import('../src/seed/connection-manager/service')>('seed/connection-manager/service');
const { LocalNetwork } = built<typeof import('../src/seed/connection-manager/network')>('seed/connection-manager/network');
type LocalNetwork = import('../src/seed/connection-manager/network').LocalNetwork;

const THREAD = 'connection_manager';

describe('seed: connection manager (manage_connections)', () => {
  let app: Daebus | undefined;
  let network: LocalNetwork | undefined;
  let records: LogRecord[] = [];
  const logged = (message: RegExp): LogRecord | undefined => logsOf(records, THREAD, message)[0];

  beforeEach(async () => {
    const memory = memoryLogger();
    records = memory.records;
    network = await LocalNetwork.start(2);
    // One seed "second" is 20 ms: a check every 100 ms, backoff 100, 200, ... 600 ms.
    app = createApp({ logger: memory.logger, discoveryUrl: network.discoveryUrl, secondMs: 20 });
    await app.start();
  });

  afterEach(async () => {
    await app?.stop();
    await network?.close();
  });

  it('connects to every discovered host, and to hosts that join later', async () => {
    const hosts = network!.hosts;
    for (const host of hosts) {
      await waitFor(`a connection to ${host.address}`, () => logged(new RegExp(`^Connected to new host: ${host.address}$`)));
      // the host counts the connection on its own event loop turn, which can come after the thread's log
      await waitFor(`${host.address} to count the connection`, () => host.accepted > 0);
      expect(host.accepted).toBe(1);
    }
    const joined = await network!.addHost();
    await waitFor(`a connection to ${joined.address}`, () => logged(new RegExp(`^Connected to new host: ${joined.address}$`)));
    await waitFor(`${joined.address} to count the connection`, () => joined.accepted > 0);
    expect(joined.accepted).toBe(1);
  });

  it('backs off while a host is down and reconnects when it is back', async () => {
    const host = network!.hosts[0]!;
    await waitFor('the first connection', () => logged(new RegExp(`^Connected to new host: ${host.address}$`)));
    // the thread logs a connection the host has not accepted yet; stopped before its accept turn, the
    // host would never count it (the kernel resets it with the listener), and only one in all
    await waitFor(`${host.address} to count the first connection`, () => host.accepted > 0);

    await host.stop();
    await waitFor('a connection error', () => logged(new RegExp(`^Connection error \\(retry 1\\): .*${host.address}`)));
    await host.start();
    // a reconnection logged since the host came back (one logged before it, into the listener as it
    // closed, was reset and does not count)
    const since = records.length;
    await waitFor('the reconnection', () => logsOf(records.slice(since), THREAD, new RegExp(`^Reconnected to ${host.address}$`))[0]);
    // as above: the host counts the new connection on its own event loop turn, after the thread logs it
    await waitFor(`${host.address} to count the reconnection`, () => host.accepted > 1);
    expect(host.accepted).toBe(2);
    expect(app!.threads[THREAD]).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('closes its connections when the service stops', async () => {
    for (const host of network!.hosts) {
      await waitFor(`a connection to ${host.address}`, () => logged(new RegExp(`^Connected to new host: ${host.address}$`)));
    }
    await app!.stop();
    expect(app!.threads[THREAD]).toMatchObject({ state: 'stopped', lastExit: { reason: 'stopped', terminated: false } });
    await waitFor('the closing record', () => logged(/^Closed 2 connection\(s\)$/));
  });

  // get_status is not in the seed: the example's one action, so it is driven through a caller too.
  // (The service of beforeEach above runs on the memory transport under its default name; this
  // one runs beside it, on its own name.)
  describe.each(TRANSPORTS)('get_status over %s', (_name, transport) => {
    let statusApp: Daebus | undefined;
    let caller: DaebusCaller | undefined;
    afterEach(async () => {
      await caller?.close();
      await statusApp?.stop();
    });

    it('answers with each connection and whether it is active', async () => {
      const service = uniqueName('connection_manager');
      statusApp = createApp({ logger: memoryLogger().logger, discoveryUrl: network!.discoveryUrl, secondMs: 20 });
      await statusApp.start({ service, ...transport() });
      caller = callerFor(service, transport());
      const [first, second] = network!.hosts;

      type Status = { connections?: Record<string, string> };
      const status = await waitFor('both connections', async () => {
        const current = (await caller!.sendRequest('get_status')) as Status;
        return Object.keys(current.connections ?? {}).length === 2 && current;
      });
      expect(status).toEqual({
        thread: 'running',
        restarts: 0,
        connections: { [first!.address]: 'active', [second!.address]: 'active' },
        retry_count: 0,
      });

      await first!.stop();
      await waitFor('the dropped connection reported', async () => {
        const current = (await caller!.sendRequest('get_status')) as Status & { retry_count: number };
        return current.connections?.[first!.address] === 'inactive' || current.retry_count > 0;
      });
    });
  });
});
