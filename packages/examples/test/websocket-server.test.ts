import type { Daebus, DaebusCaller } from 'daebus';
import WebSocket from 'ws';
import { built, callerFor, memoryLogger, TRANSPORTS, uniqueName, waitFor } from './helpers';

const { createApp } = built<typeof import('../src/seed/websocket-server/service')>('seed/websocket-server/service');
const { DataSource } = built<typeof import('../src/seed/data-collector/data-source')>('seed/data-collector/data-source');
type DataSource = import('../src/seed/data-collector/data-source').DataSource;

type Reading = { reading: number; temperature_c: number; humidity_pct: number; measured_at: number };
type Frame = { type: string; data: unknown; id?: unknown };

/** A real `ws` client that keeps its frames. */
async function connect(url: string): Promise<{ socket: WebSocket; frames: Frame[]; closed: Promise<number> }> {
  const socket = new WebSocket(url);
  const frames: Frame[] = [];
  socket.on('message', (raw) => frames.push(JSON.parse(raw.toString()) as Frame));
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, frames, closed };
}

describe('the WebSocket example the other way round: the data collector over HTTP and WebSocket', () => {
  describe.each(TRANSPORTS)('over %s', (_name, transport) => {
    let app: Daebus | undefined;
    let source: DataSource | undefined;
    let caller: DaebusCaller | undefined;
    const clients: WebSocket[] = [];

    beforeEach(async () => {
      source = await DataSource.start();
      const service = uniqueName('data_feed');
      app = createApp({ url: source.url, logger: memoryLogger().logger, intervalMs: 50, errorDelayMs: 100 });
      await app.start({ service, ...transport(), http: { port: 0, host: '127.0.0.1' } });
      caller = callerFor(service, transport());
    });

    afterEach(async () => {
      for (const c of clients.splice(0)) c.terminate();
      await caller?.close();
      await app?.stop();
      await source?.close();
    });

    it('serves the collected data over HTTP, one reading by name, and 404 for a name it lacks', async () => {
      const base = app!.http.url as string;
      const data = await waitFor('collected data', async () => {
        const body = (await (await fetch(`${base}/data`)).json()) as Partial<Reading>;
        return typeof body.reading === 'number' && body;
      });
      expect(data).toEqual({
        reading: expect.any(Number),
        temperature_c: expect.any(Number),
        humidity_pct: expect.any(Number),
        measured_at: expect.any(Number),
      });
      const one = await fetch(`${base}/data/humidity_pct`);
      expect(one.status).toBe(200);
      expect(await one.json()).toEqual({ humidity_pct: expect.any(Number) });
      const missing = await fetch(`${base}/data/pressure`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: 'No reading named "pressure"', code: 'NO_READING' });
      // the same data through the action, for callers on the transport
      expect(await caller!.sendRequest('get_current_data')).toMatchObject({ reading: expect.any(Number) });
    });

    it('greets a WebSocket client with the current data, pushes each new reading, and answers get_data', async () => {
      const base = app!.http.url as string;
      await waitFor(
        'collected data',
        async () => typeof ((await (await fetch(`${base}/data`)).json()) as Partial<Reading>).reading === 'number',
      );
      const [a, b] = [await connect(app!.http.websocketUrl as string), await connect(app!.http.websocketUrl as string)];
      clients.push(a.socket, b.socket);
      await waitFor('both greetings', () => a.frames.length > 0 && b.frames.length > 0);
      expect(a.frames[0]).toEqual({
        type: 'response',
        data: { client_id: expect.stringMatching(/^user_/), data: expect.objectContaining({ reading: expect.any(Number) }) },
      });
      // updates arrive at every client, newer each time
      const updates = (frames: Frame[]): Reading[] => frames.filter((f) => f.type === 'update').map((f) => f.data as Reading);
      await waitFor('three updates at each client', () => updates(a.frames).length >= 3 && updates(b.frames).length >= 3);
      const seen = updates(a.frames).map((r) => r.reading);
      expect(seen).toEqual([...seen].sort((x, y) => x - y));
      expect(new Set(seen).size).toBe(seen.length);

      a.socket.send(JSON.stringify({ type: 'get_data', id: 7 }));
      const answer = await waitFor('the get_data answer', () => a.frames.find((f) => f.id === 7));
      expect(answer).toEqual({ type: 'response', data: expect.objectContaining({ reading: expect.any(Number) }), id: 7 });
      const status = (await (await fetch(`${base}/status`)).json()) as { clients: number; thread: string };
      expect(status).toMatchObject({ clients: 2, thread: 'running' });
    });

    it('closes its clients when it stops', async () => {
      const client = await connect(app!.http.websocketUrl as string);
      clients.push(client.socket);
      await app!.stop();
      expect(await client.closed).toBe(1001);
    });
  });
});
