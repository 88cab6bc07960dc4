// A request that timed out as never sent while Redis stalled must never go out afterwards: the
// caller looks up whether the service runs replicas (a Redis read) before it sends, and the
// answer can come after the request's timeout. A private redis-server is paused.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger } from '../support/helpers';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

let server: PrivateRedis;
let app: Daebus | undefined;
let caller: DaebusCaller | undefined;
const clients: Redis[] = [];

beforeEach(async () => {
  server = await privateRedis();
});

afterEach(async () => {
  await caller?.close();
  await app?.stop();
  clients.splice(0).forEach((client) => client.disconnect());
  await server.stop();
  [app, caller] = [undefined, undefined];
});

describe.each([
  ['a service', false],
  ['a replicated service', true],
])('a request to %s that times out while Redis stalls before it is sent', (_what, replicated) => {
  it('is not sent after its timeout said it was not', async () => {
    const service = `paused_${randomUUID()}`;
    const ran: string[] = [];
    app = new Daebus('paused', { logger: captureLogger().logger });
    app.action('mark', (payload) => {
      ran.push(String(payload.n));
      return { n: payload.n };
    });
    await app.start({ service, redis: server.url, ...(replicated ? { replicas: {} } : {}) });
    caller = new DaebusCaller(service, { redis: server.url, timeoutMs: 20_000 });
    await expect(caller.sendRequest('mark', { n: 'warm-up' })).resolves.toEqual({ n: 'warm-up' });
    // the caller's last look at "does it run replicas?" is 2 s old: the next request looks again
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const admin = new Redis(server.url);
    clients.push(admin);
    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    const late = caller.sendRequest('mark', { n: 'late' }, { timeoutMs: 300 });
    await expect(late).rejects.toMatchObject({ code: 'TIMEOUT', details: { sent: false } });
    await expect(late).rejects.toThrow(/was not sent/);
    // past the pause (a new connection's first command waits for it), the next request is answered
    const probe = new Redis(server.url);
    clients.push(probe);
    await probe.ping();
    await expect(caller.sendRequest('mark', { n: 'after' })).resolves.toEqual({ n: 'after' });
    // a late request would have gone out before this one, on the same connection
    expect(ran).toEqual(['warm-up', 'after']);
  });
});
