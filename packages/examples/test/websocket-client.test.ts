import type { Daebus, DaebusCaller } from 'daebus';
import { built, callerFor, logsOf, memoryLogger, rejectionOf, TRANSPORTS, uniqueName, waitFor, type LogRecord } from './helpers';

const { createApp } = built<typeof import('../src/seed/websocket-client/service')>('seed/websocket-client/service');
const { StreamServer } = built<typeof import('../src/seed/websocket-client/stream-server')>('seed/websocket-client/stream-server');
type StreamServer = import('../src/seed/websocket-client/stream-server').StreamServer;

const API_KEY = 'test-key';
const THREAD = 'websocket_client';

interface RecentMessages {
  count: number;
  messages: { type?: string; seq?: number; message?: string }[];
}

describe('seed: WebSocket client (run_websocket_client, get_recent_messages, send_websocket_message)', () => {
  describe.each(TRANSPORTS)('over %s', (_name, transport) => {
    let app: Daebus | undefined;
    let server: StreamServer | undefined;
    let caller: DaebusCaller | undefined;
    let records: LogRecord[] = [];
    const recent = async (): Promise<RecentMessages> => (await caller!.sendRequest('get_recent_messages')) as RecentMessages;
    const send = (payload: Record<string, unknown>): Promise<unknown> => caller!.sendRequest('send_websocket_message', payload);

    beforeEach(async () => {
      server = await StreamServer.start({ apiKey: API_KEY });
      const memory = memoryLogger();
      records = memory.records;
      const service = uniqueName('websocket_client');
      // Reconnect 100 ms after a close (the seed's 5 s).
      app = createApp({ url: server.url, apiKey: API_KEY, logger: memory.logger, reconnectMs: 100, retryMs: 100 });
      await app.start({ service, ...transport() });
      caller = callerFor(service, transport());
      // The thread connected and sent the auth message on open.
      await waitFor('an authenticated connection', () => server!.clients === 1);
    });

    afterEach(async () => {
      await caller?.close();
      await app?.stop();
      await server?.stop();
    });

    it('keeps the messages it receives, only the last 100, and warns about alerts', async () => {
      const welcome = await waitFor('the welcome message', async () => (await recent()).count === 1 && (await recent()));
      expect(welcome).toEqual({ count: 1, messages: [{ type: 'welcome', message: 'authenticated' }] });

      for (let seq = 1; seq <= 149; seq += 1) server!.publish({ type: 'update', seq });
      server!.publish({ type: 'alert', seq: 150, message: 'disk almost full' });

      const last = await waitFor('the 150th message', async () => {
        const current = await recent();
        return current.messages.at(-1)?.seq === 150 && current;
      });
      expect(last.count).toBe(100);
      expect(last.messages.map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 51 + i));
      const alert = await waitFor('the alert warning', () => logsOf(records, THREAD, /^Alert received: disk almost full$/)[0]);
      expect(alert).toMatchObject({ level: 'warn' });
    });

    it('sends a message to the server, and answers the seed\'s "No message provided" error', async () => {
      await expect(send({ message: { type: 'chat', text: 'hello' } })).resolves.toEqual({ sent: true });
      await waitFor('the message at the server', () => server!.received.length > 0);
      expect(server!.received).toEqual([{ type: 'chat', text: 'hello' }]);

      const error = await rejectionOf(send({}));
      expect(error).toMatchObject({ code: 'REMOTE_ERROR', message: 'No message provided' });
    });

    it('reconnects when the server comes back on the same port, and messages flow again', async () => {
      await server!.stop();
      await waitFor('the disconnect', () => logsOf(records, THREAD, /^WebSocket disconnected, reconnecting in 0.1 seconds\.\.\.$/)[0]);
      const error = await rejectionOf(send({ message: { type: 'chat', text: 'anyone?' } }));
      expect(error).toMatchObject({ code: 'REMOTE_ERROR', message: 'WebSocket not connected' });

      await server!.start();
      await waitFor('a new authenticated connection', () => server!.clients === 1);
      expect(server!.authentications).toBe(2);
      server!.publish({ type: 'update', seq: 1000 });
      await waitFor('a message after the restart', async () => (await recent()).messages.some((m) => m.seq === 1000));
      await expect(send({ message: { type: 'chat', text: 'back' } })).resolves.toEqual({ sent: true });
      await waitFor('the message at the restarted server', () => server!.received.length > 0);
      expect(server!.received).toEqual([{ type: 'chat', text: 'back' }]);
      expect(app!.threads[THREAD]).toMatchObject({ state: 'running', restarts: 0 });
    });

    it('answers "WebSocket not connected" once the thread is stopped', async () => {
      await app!.stopThread(THREAD);
      const error = await rejectionOf(send({ message: { type: 'chat', text: 'hello' } }));
      expect(error).toMatchObject({ code: 'REMOTE_ERROR', message: 'WebSocket not connected' });
      await waitFor('the server to see the connection closed', () => server!.clients === 0);
    });
  });
});
