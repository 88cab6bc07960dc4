// The `daebus` command against a server that accepts the connection and never answers: every
// verb ends with exit status 4 within --connect-timeout, instead of waiting forever; a Ctrl-C meanwhile, with 0.
import { createServer, type Server, type Socket } from 'node:net';
import { startCli, type Ran } from '../support/cli-process';
import { waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(60_000);

let silent: Server;
let url: string;
const sockets = new Set<Socket>();
/** Connections the silent server accepted so far. */
let accepted = 0;
const running: ReturnType<typeof startCli>[] = [];

beforeAll(async () => {
  silent = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume();
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  url = `redis://127.0.0.1:${(silent.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const { child } of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

/** Run `daebus ...args` on `redis` to its end (it must end by itself). */
function daebus(redis: string, args: string[]): Promise<Ran> {
  const started = startCli([...args, '--redis', redis, '--connect-timeout', '300', '--timeout', '1000']);
  running.push(started);
  return started.done;
}

describe('a Redis that accepts the connection and never answers', () => {
  it.each([
    ['health', ['health', 'svc']],
    ['call', ['call', 'svc', 'get_status']],
    ['ping', ['ping', 'svc']],
    ['listen', ['listen', 'some.channel']],
    ['send', ['send', 'some.channel', '{}']],
  ])('%s exits 4 and says that Redis did not answer', async (_verb, args) => {
    const ran = await daebus(url, args);
    expect(ran.code).toBe(4);
    expect(ran.stderr).toBe(`daebus: cannot reach Redis at ${url}: it accepted the connection but did not answer within 300 ms\n`);
  });

  it('rediss:// to a server without TLS exits 4 naming the address', async () => {
    const tls = TEST_REDIS_URL.replace(/^redis:/, 'rediss:');
    const ran = await daebus(tls, ['health', 'svc']);
    expect(ran.code).toBe(4);
    expect(ran.stderr).toMatch(new RegExp(`^daebus: cannot reach Redis at ${tls.replace(/\./g, '\\.')}: `));
  });
});

describe('Ctrl-C while connecting to a Redis that does not answer', () => {
  it.each([
    ['watch', ['watch', 'svc']],
    ['listen', ['listen', 'some.channel']],
    ['ping', ['ping', 'svc']],
  ])('%s ends with status 0, as it does once connected', async (_verb, args) => {
    const before = accepted;
    const started = startCli([...args, '--redis', url, '--connect-timeout', '600000']);
    running.push(started);
    await waitFor(() => accepted > before, 'the connection');
    started.child.kill('SIGINT');
    // before: killed by the signal (status 130), the handler being installed only once connected
    expect(await started.done).toMatchObject({ code: 0, stdout: '' });
  });
});
