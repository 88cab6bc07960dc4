// A caller's publish that Redis had not answered when the connection closed: a caller never sends
// a request again after a drop (it would go out late), and ioredis, told so, dropped such a
// command without settling its promise. A `sendMessage` in flight as Redis restarted waited for
// ever, and its process never ended. A private redis-server, paused for writes, holds the publish.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { DaebusCaller } from 'daebus';
import { waitFor } from '../support/helpers';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

let server: PrivateRedis;
let admin: Redis;
let caller: DaebusCaller;

beforeEach(async () => {
  server = await privateRedis();
  admin = new Redis(server.url);
  caller = new DaebusCaller(`unanswered_${randomUUID()}`, { redis: server.url, durable: false });
});

afterEach(async () => {
  await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
  await caller.close();
  admin.disconnect();
  await server.stop();
});

it('fails a message in flight when the connection closes before Redis answers it, and sends the next once Redis is back', async () => {
  expect(await caller.sendMessage(`events_${randomUUID()}`, { n: 0 })).toBe(0); // connected
  await admin.call('CLIENT', 'PAUSE', '10000', 'WRITE'); // PUBLISH waits; CLIENT KILL does not
  let settled: { code?: string; message?: string } | number | undefined;
  void caller.sendMessage(`events_${randomUUID()}`, { n: 1 }).then(
    (receivers) => (settled = receivers),
    (err: { code?: string; message?: string }) => (settled = err),
  );
  await waitFor(
    async () => /cmd=publish/.test(String(await admin.call('CLIENT', 'LIST', 'TYPE', 'normal'))),
    'the publish to wait in Redis',
  );
  await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
  await admin.call('CLIENT', 'UNPAUSE');
  await waitFor(() => settled !== undefined, 'the message in flight to fail');
  expect(settled).toMatchObject({ code: 'TRANSPORT_ERROR', message: expect.stringContaining('closed before Redis answered') as string });
  await waitFor(
    () =>
      caller.sendMessage(`events_${randomUUID()}`, { n: 2 }).then(
        () => true,
        () => false,
      ),
    'a message sent once the caller is connected again',
  );
});
