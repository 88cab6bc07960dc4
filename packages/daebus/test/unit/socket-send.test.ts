// What the WebSocket hub hands its clients' sockets: a broadcast is encoded once and every client
// gets the same bytes (ws copies a string per socket: a big broadcast to many clients cost one
// copy each), sent as a text frame; and the buffered-bytes limit counts bytes, not characters.
import { SocketHub } from '../../src/main/http/socket-hub';
import { SocketClient, type ClientSocket } from '../../src/main/http/socket-client';
import { DEFAULT_HTTP_OPTIONS, type ResolvedWebSocketOptions } from '../../src/main/http/options';
import { captureLogger } from '../support/helpers';

interface FakeSocket extends ClientSocket {
  sent: { data: unknown; options: unknown }[];
  closedWith: { code?: number; reason?: string } | undefined;
  bufferedAmount: number;
}

function fakeSocket(bufferedAmount = 0): FakeSocket {
  const socket: FakeSocket = {
    readyState: 1,
    bufferedAmount,
    sent: [],
    closedWith: undefined,
    send: (data: unknown, options: unknown) => void socket.sent.push({ data, options }),
    close: (code?: number, reason?: string) => void (socket.closedWith = { code, reason }),
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
    const client = new SocketClient({
      id: 'user_1',
      socket,
      handshake: { path: '/ws', query: {}, headers: {}, remoteAddress: undefined },
      limits: limits({ maxBufferedBytes: 1_000 }),
      handle: () => Promise.resolve(),
    });
    // 600 characters, 1 800 bytes in UTF-8: with the 100 bytes waiting, over the 1 000 allowed
    expect(client.send(JSON.stringify('€'.repeat(600)))).toBe(false);
    expect(socket.sent).toEqual([]);
    expect(socket.closedWith).toMatchObject({ code: 1013, reason: expect.stringMatching(/^Too slow/) });
  });
});
