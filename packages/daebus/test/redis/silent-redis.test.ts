// A server that accepts the TCP connection and never answers (a hung Redis, a wrong port that
// some other program holds): connecting must end with a clear error instead of waiting forever,
// and leave nothing behind that holds the process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Daebus, DaebusCaller, DaebusError, ErrorCodes, RedisTransport } from 'daebus';
import { captureLogger, waitFor } from '../support/helpers';

let silent: Server;
let port: number;
const sockets = new Set<Socket>();
const children: ChildProcess[] = [];

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    // read and drop what the client sends (a socket never read would never see the client's close)
    socket.resume();
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

const redis = (): { host: string; port: number; connectTimeout: number } => ({ host: '127.0.0.1', port, connectTimeout: 300 });

describe('a Redis that accepts the connection and never answers', () => {
  it('fails the transport connect with TRANSPORT_ERROR saying so, and closes its sockets', async () => {
    const transport = new RedisTransport(redis());
    const failure = await transport.connect().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(DaebusError);
    expect(failure).toMatchObject({ code: ErrorCodes.TRANSPORT_ERROR });
    expect((failure as Error).message).toMatch(
      /^Could not connect to Redis at redis:\/\/127\.0\.0\.1:\d+: it accepted the connection but did not answer within 300 ms\./,
    );
    // the server sees both connections closed: nothing stays open, and nothing retries
    await waitFor(() => sockets.size === 0, 'the server to see both connections closed');
    await transport.close();
  });

  it('fails the start of a service with TRANSPORT_ERROR', async () => {
    const app = new Daebus('silent', { logger: captureLogger().logger });
    app.action('noop', () => ({}));
    await expect(app.start({ service: `silent_${randomUUID()}`, redis: redis() })).rejects.toMatchObject({
      code: ErrorCodes.TRANSPORT_ERROR,
      message: expect.stringContaining('accepted the connection but did not answer'),
    });
    await app.stop();
  });

  it("settles a caller's request with its timeout, which counts from the call, connecting included", async () => {
    // the connect timeout is longer than the request's: the request's timeout answers first
    const caller = new DaebusCaller(`silent_${randomUUID()}`, { redis: { host: '127.0.0.1', port }, timeoutMs: 300 });
    try {
      // and says it was never sent: the service is not the one that failed to answer
      await expect(caller.sendRequest('daebus.ping')).rejects.toMatchObject({
        code: ErrorCodes.TIMEOUT,
        message: expect.stringContaining('was not sent to service'),
        details: expect.objectContaining({ sent: false }),
      });
    } finally {
      await caller.close();
    }
  });

  it('leaves nothing that holds the process once the start failed', async () => {
    // a process of its own, which must end by itself (a socket or a retry left behind would hold it)
    const script = `
      const { Daebus } = require(${JSON.stringify(join(__dirname, '..', '..', 'dist', 'main', 'index.js'))});
      const app = new Daebus('silent');
      app.start({ service: 'silent_child', redis: { host: '127.0.0.1', port: ${port}, connectTimeout: 300 } }).then(
        () => console.log('REPORT ' + JSON.stringify({ started: true })),
        (err) => console.log('REPORT ' + JSON.stringify({ code: err.code })),
      );`;
    const env = { ...process.env, LOG_LEVEL: 'error' };
    const child = spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(stdout.split('REPORT ')[1] ?? 'null')).toEqual({ code: ErrorCodes.TRANSPORT_ERROR });
  });
});
