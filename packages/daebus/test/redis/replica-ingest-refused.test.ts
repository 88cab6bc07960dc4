// A pub/sub request that the lease holder cannot add to the request stream, because Redis
// refuses the add (full under noeviction, a permission missing), is answered TRANSPORT_ERROR at
// once: its caller waited out its whole timeout, and only the service's log said it was lost.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Daebus, DaebusCaller } from 'daebus';
import { TEST_REDIS_URL } from '../support/redis-server';

const user = `daebus-noxadd-${randomUUID()}`;
const password = 'test-password';
const admin = new Redis(TEST_REDIS_URL);
const url = TEST_REDIS_URL.replace('redis://', `redis://${user}:${password}@`);
let app: Daebus | undefined;
let caller: DaebusCaller | undefined;

beforeAll(async () => {
  // everything but XADD, which the fenced add of a pub/sub request runs inside its script
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', '+@all', '-xadd');
});
afterEach(async () => {
  await caller?.close();
  await app?.stop();
});
afterAll(async () => {
  await admin.call('ACL', 'DELUSER', user);
  admin.disconnect();
});

it('answers a pub/sub request that Redis refused to add to the stream with TRANSPORT_ERROR', async () => {
  const service = `unadded_${randomUUID()}`;
  app = new Daebus('unadded');
  app.logger.silent = true;
  let ran = 0;
  app.action('work', () => ({ ran: ++ran }));
  await app.start({ service, redis: url, replicas: true });
  // over pub/sub, as a Python Daebus caller sends (the caller itself may add to the stream)
  caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, durable: false, timeoutMs: 20_000 });
  const failure = await caller.sendRequest('work').then(
    () => undefined,
    (err: unknown) => err as { code?: string; remoteCode?: string; message?: string },
  );
  expect(failure?.message).toContain(`Service "${service}" could not take the request in: Redis refused to add it to its request stream (`);
  expect(failure?.message).toContain('It did not run.');
  expect(ran).toBe(0);
});
