// `daebus health` and `daebus ping` when Redis stalls after the command connected (paused,
// overloaded): no reply comes, and a PING gets none either. Before, they blamed the service or
// its replicas and exited 3 ("did not answer", "the lease holder may be stalled"), so a probe
// `daebus health || restart` restarted healthy services over a Redis stall; now they blame Redis
// and exit 4, as `daebus watch` does. The command reaches Redis through a proxy that holds every
// byte, both ways, for a while from the first PUBLISH it sees: the stall comes after the connect.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { killAll, startCli, startFixtureService, type Ran } from '../support/cli-process';
import { TEST_REDIS_URL } from '../support/redis-server';

jest.setTimeout(60_000);

/** How long the proxy holds everything once it saw a PUBLISH: past --timeout (1000 ms) and the PING's wait (1000 ms). */
const STALL_MS = 4_000;

const children: ChildProcess[] = [];
let proxy: Server;
let proxyUrl: string;
const sockets = new Set<Socket>();
/** Until when the proxy holds what comes, both ways (0: it forwards). */
let stalledUntil = 0;

beforeAll(async () => {
  const target = new URL(TEST_REDIS_URL);
  proxy = createServer((client) => {
    const server = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(server);
    const pipe = (from: Socket, to: Socket, watchPublish: boolean): void => {
      from.on('data', (chunk: Buffer) => {
        if (watchPublish && stalledUntil === 0 && /publish/i.test(chunk.toString('latin1'))) stalledUntil = Date.now() + STALL_MS;
        const wait = stalledUntil - Date.now();
        if (wait <= 0) return void to.write(chunk);
        from.pause();
        setTimeout(() => (to.write(chunk), from.resume()), wait);
      });
      from.on('error', () => undefined);
      from.on('close', () => to.destroy());
    };
    pipe(client, server, true);
    pipe(server, client, false);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `redis://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});

afterEach(async () => {
  await killAll(children.splice(0));
  stalledUntil = 0;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => proxy.close(resolve));
});

function daebus(args: string[]): Promise<Ran> {
  const started = startCli([...args, '--redis', proxyUrl, '--timeout', '1000']);
  children.push(started.child);
  return started.done;
}

const blamesRedis = (ran: Ran): void => {
  expect(ran).toMatchObject({ code: 4, stdout: '' });
  expect(ran.stderr).toMatch(/^daebus: Redis at redis:\/\/127\.0\.0\.1:\d+ does not answer \(paused, overloaded or stalled\): /);
  expect(ran.stderr).toContain('and none to a PING within 1000 ms. The service was not necessarily at fault.');
};

describe('a Redis that stalls once the command has connected', () => {
  it('health of a service blames Redis and exits 4, not the service (3)', async () => {
    const service = `stalled_health_${randomUUID()}`;
    await startFixtureService(service, TEST_REDIS_URL, children);
    const ran = await daebus(['health', service]);
    blamesRedis(ran);
    expect(ran.stderr).toContain('no answer to daebus.ping within 1000 ms');
  });

  it('ping blames Redis and exits 4', async () => {
    const service = `stalled_ping_${randomUUID()}`;
    await startFixtureService(service, TEST_REDIS_URL, children);
    blamesRedis(await daebus(['ping', service, '--count', '1']));
  });

  it('health of a replicated service blames Redis when no replica answers, not each replica', async () => {
    const service = `stalled_replicas_${randomUUID()}`;
    for (let i = 0; i < 2; i++) await startFixtureService(service, TEST_REDIS_URL, children, { REPLICAS: '1', HEARTBEAT_MS: '200' });
    const ran = await daebus(['health', service]);
    blamesRedis(ran);
    expect(ran.stderr).toContain('no replica answered within 1000 ms');
  });
});
