// What the WebSocket hub hands its clients' sockets: a broadcast is encoded once and every client
// gets the same bytes (ws copies a string per socket: a big broadcast to many clients cost one
// copy each), sent as a text frame; and the buffered-bytes limit counts bytes, not characters.
import { SocketHub } from '../../src/main/http/socket-hub';
import { SocketClient, type ClientSocket } from '../../src/main/http/socket-client';
import { DEFAULT_HTTP_OPTIONS, type ResolvedWebSocketOptions } from '../../src/main/http/options';
import { captureLogger } from '../support/helpers';
import { monotonicMs } from '../../src/shared/clock';

interface FakeSocket extends ClientSocket {
  sent: { data: unknown; options: unknown; written: ((err?: Error | null) => void) | undefined }[];
  closedWith: { code?: number; reason?: string } | undefined;
  bufferedAmount: number;
  readyState: number;
  /** The connection wrote out frame `i`: its bytes leave bufferedAmount, and its callback is called (as ws does). */
  written(i: number): void;
}

function fakeSocket(bufferedAmount = 0): FakeSocket {
  const socket: FakeSocket = {
    readyState: 1,
    bufferedAmount,
    sent: [],
    closedWith: undefined,
    send: (data: unknown, options: unknown, written?: (err?: Error | null) => void) => {
      socket.sent.push({ data, options, written });
      socket.bufferedAmount += (data as Buffer).length;
    },
    close: (code?: number, reason?: string) => {
      socket.closedWith = { code, reason };
      socket.readyState = 2;
    },
    written: (i: number) => {
      const frame = socket.sent[i];
      if (!frame) throw new Error(`no frame ${i}`);
      socket.bufferedAmount -= (frame.data as Buffer).length;
      frame.written?.();
    },
    terminate: () => undefined,
    ping: () => undefined,
    pause: () => undefined,
    resume: () => undefined,
    on: () => socket,
  };
  return socket;
}

const limits = (over: Partial<ResolvedWebSocketOptions> = {}): ResolvedWebSocketOptions => ({
  ...DEFAULT_HTTP_OPTIONS.websocket,
  port: undefined,
  ...over,
});

describe('WebSocket sends', () => {
  it('hand every client of a broadcast the same Buffer, as a text frame', async () => {
    const hub = new SocketHub(captureLogger().logger);
    hub.open(limits());
    const sockets = [fakeSocket(), fakeSocket(), fakeSocket()];
    const req = { url: '/ws', query: {}, headers: {}, socket: { remoteAddress: '127.0.0.1' } };
    for (const socket of sockets) hub.accept(socket, req as never);
    expect(await hub.exec({ op: 'broadcast', messageType: 'news', data: { text: 'héllo' } })).toBe(3);
    const sent = sockets.map((s) => s.sent[0]);
    expect(Buffer.isBuffer(sent[0]?.data)).toBe(true);
    for (const one of sent) {
      expect(one?.data).toBe(sent[0]?.data); // the very same object: no copy per client
      expect(one?.options).toEqual({ binary: false });
    }
    expect(JSON.parse((sent[0]?.data as Buffer).toString())).toEqual({ type: 'news', data: { text: 'héllo' } });
    hub.stopSweeping();
  });

  it('count a frame’s bytes, not its characters, against maxBufferedBytes', () => {
    const socket = fakeSocket(100);
    const client = makeClient(socket, { maxBufferedBytes: 1_000 });
    // 600 characters, 1 800 bytes in UTF-8: with the 100 bytes waiting, over the 1 000 allowed, so held
    expect(client.send(JSON.stringify('€'.repeat(600)))).toBe(true);
    expect(socket.sent).toEqual([]);
    expect(client.info().bufferedBytes).toBe(100 + 1_802);
  });
});

describe('What is sent to a WebSocket client past maxBufferedBytes', () => {
  it('is held, in order, and handed to the connection as it drains; an awaiting sender hears when', async () => {
    const socket = fakeSocket();
    const client = makeClient(socket, { maxBufferedBytes: 20_000 });
    const [a, b] = ['a'.repeat(40_000), 'b'.repeat(40_000)];
    expect(client.deliver(a)).toBe(true); // a frame of any size goes to an empty connection
    const second = client.deliver(b); // before: the client was closed as too slow here
    expect(client.send('c')).toBe(true);
    expect(second).toBeInstanceOf(Promise);
    expect(frames(socket)).toEqual([a]);
    socket.written(0);
    await expect(second).resolves.toBe(true);
    // 'c' waits behind b, which fills the connection past the limit
    expect(frames(socket)).toEqual([a, b]);
    socket.written(1);
    expect(frames(socket)).toEqual([a, b, 'c']);
    expect(socket.closedWith).toBeUndefined();
    expect(client.messagesSent).toBe(3);
  });

  it('goes out at the next sweep when the connection drained with no write watched (small frames to an idle connection)', () => {
    const socket = fakeSocket();
    const client = makeClient(socket, { maxBufferedBytes: 1_000 });
    client.send('w'.repeat(2_000)); // small, to an idle connection: written without a callback
    expect(socket.sent[0]?.written).toBeUndefined();
    expect(client.send('x'.repeat(5_000))).toBe(true); // held
    socket.written(0); // the connection drained: nothing told the outbox
    expect(frames(socket)).toHaveLength(1);
    client.expire(monotonicMs()); // the hub's sweep
    expect(frames(socket)).toEqual(['w'.repeat(2_000), 'x'.repeat(5_000)]);
  });

  it('closes the client with 1013 when more than maxBufferedBytes would be held past the first frame', async () => {
    const socket = fakeSocket();
    const client = makeClient(socket, { maxBufferedBytes: 1_000 });
    client.send('w'.repeat(2_000));
    const first = client.deliver('x'.repeat(5_000));
    const second = client.deliver('y'.repeat(600));
    expect(client.send('z'.repeat(600))).toBe(false); // 600 + 600 held past the first: over 1 000
    expect(socket.closedWith).toMatchObject({ code: 1013, reason: expect.stringMatching(/^Too slow: 7\d{3} bytes are waiting/) });
    await expect(Promise.all([first, second])).resolves.toEqual([false, false]);
    expect(frames(socket)).toEqual(['w'.repeat(2_000)]);
  });

  it('closes the client with 1013 when a frame was held for sendTimeoutMs', async () => {
    const socket = fakeSocket();
    const client = makeClient(socket, { maxBufferedBytes: 1_000, sendTimeoutMs: 500 });
    client.send('w'.repeat(2_000));
    const held = client.deliver('x'.repeat(5_000));
    client.expire(monotonicMs() + 100);
    expect(socket.closedWith).toBeUndefined();
    client.expire(monotonicMs() + 500);
    expect(socket.closedWith).toMatchObject({ code: 1013, reason: expect.stringMatching(/^Too slow: .* some for 500 ms$/) });
    await expect(held).resolves.toBe(false);
  });

  it('lets a broadcast resolve at once with the clients it reached or is held for: a slow client holds no broadcaster back', async () => {
    const hub = new SocketHub(captureLogger().logger);
    hub.open(limits({ maxBufferedBytes: 1_000 }));
    const sockets = [fakeSocket(), fakeSocket(), fakeSocket()];
    const req = { url: '/ws', query: {}, headers: {}, socket: { remoteAddress: '127.0.0.1' } };
    for (const socket of sockets) hub.accept(socket, req as never);
    expect(await hub.exec({ op: 'broadcast', messageType: 'news', data: 'x'.repeat(20_000) })).toBe(3);
    sockets[0]?.written(0);
    // held for the two clients that have not read the first one yet
    expect(await hub.exec({ op: 'broadcast', messageType: 'news', data: 'y'.repeat(2_000) })).toBe(3);
    expect(sockets.map((s) => s.sent.length)).toEqual([2, 1, 1]);
    for (const socket of sockets.slice(1)) socket.written(0);
    expect(sockets.map((s) => s.sent.length)).toEqual([2, 2, 2]);
    hub.stopSweeping();
  });
});

function makeClient(socket: FakeSocket, over: Partial<ResolvedWebSocketOptions>): SocketClient {
  return new SocketClient({
    id: 'user_1',
    socket,
    handshake: { path: '/ws', query: {}, headers: {}, remoteAddress: undefined },
    limits: limits(over),
    handle: () => Promise.resolve(),
  });
}

function frames(socket: FakeSocket): string[] {
  return socket.sent.map((s) => (s.data as Buffer).toString());
}
