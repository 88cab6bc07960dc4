// How a replica confirms the requests it finished: the entries leave the durable stream (XDEL) and
// the group's pending list (XACK), those finished in one turn together, nothing lost at close.
import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { Confirmations } from '../../src/main/replicas/confirmations';
import { REQUEST_GROUP } from '../../src/main/replicas/keys';
import { RedisTransport } from '../../src/main/transport/redis';
import { WriteRefusals } from '../../src/main/transport/write-refusals';
import { captureLogger } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

let client: Redis;
let stream: string;

beforeEach(async () => {
  client = new Redis(TEST_REDIS_URL);
  stream = `test:{${randomUUID()}}:requests`;
  await client.xgroup('CREATE', stream, REQUEST_GROUP, '0', 'MKSTREAM');
});
afterEach(async () => {
  await client.del(stream);
  await client.quit();
});

const refusals = (): WriteRefusals => new WriteRefusals(captureLogger().logger, 'redis://test');

/** Add `count` entries and read them as consumer `c`, so that they are pending under it. */
async function pendingEntries(count: number): Promise<string[]> {
  const adding = client.pipeline();
  for (let n = 0; n < count; n++) adding.xadd(stream, '*', 'm', String(n));
  await adding.exec();
  const read = (await client.xreadgroup('GROUP', REQUEST_GROUP, 'c', 'COUNT', count, 'STREAMS', stream, '>')) as [
    string,
    [string, string[]][],
  ][];
  return read[0]?.[1].map(([id]) => id) ?? [];
}

async function left(): Promise<{ entries: number; pending: number }> {
  const [pending] = (await client.xpending(stream, REQUEST_GROUP)) as [number];
  return { entries: await client.xlen(stream), pending };
}

/** The script calls the client sends (EVALSHA, or EVAL when the script is not loaded yet). */
function countScriptCalls(): { count: number } {
  const seen = { count: 0 };
  const send = client.sendCommand.bind(client);
  jest.spyOn(client, 'sendCommand').mockImplementation((command, stream) => {
    if (command.name === 'evalsha' || command.name === 'eval') seen.count += 1;
    return send(command, stream);
  });
  return seen;
}

describe('confirming finished requests', () => {
  it('takes the entries finished in one turn out of the stream and the pending list in one call', async () => {
    const ids = await pendingEntries(5);
    expect(ids).toHaveLength(5);
    expect(await left()).toEqual({ entries: 5, pending: 5 });
    const calls = countScriptCalls();
    const confirmations = new Confirmations(client, stream, captureLogger().logger, refusals());
    for (const id of ids.slice(0, 3)) confirmations.add(id);
    await confirmations.flush();
    expect(await left()).toEqual({ entries: 2, pending: 2 });
    const sentForThree = calls.count;
    expect(sentForThree).toBeGreaterThanOrEqual(1);
    expect(sentForThree).toBeLessThanOrEqual(2); // EVALSHA, then EVAL the first time
    // the next turn's ids go in a call of their own, sent without being asked to flush
    for (const id of ids.slice(3)) confirmations.add(id);
    await new Promise((resolve) => setImmediate(resolve));
    await confirmations.flush();
    expect(calls.count).toBe(sentForThree + 1);
    expect(await left()).toEqual({ entries: 0, pending: 0 });
  });

  it('goes out with the replies the transport still holds, after them, and on its own when it holds none', async () => {
    const transport = new RedisTransport(TEST_REDIS_URL);
    await transport.connect();
    try {
      const ids = await pendingEntries(3);
      const publisher = transport.cache();
      const socket = publisher.stream;
      // what the confirmation found when it was sent: the socket still holding the reply back
      const corkedAtSend: number[] = [];
      const join = (send: () => void): boolean =>
        transport.joinHeldWrites((): void => {
          corkedAtSend.push(socket.writableCorked);
          send();
        });
      const confirmations = new Confirmations(publisher, stream, captureLogger().logger, refusals(), join);
      const reply = transport.publish(`test-replies-${randomUUID()}`, 'a reply');
      confirmations.add(ids[0] as string);
      confirmations.add(ids[1] as string);
      expect(corkedAtSend).toEqual([]); // sent with the held writes, when they go out
      await reply;
      expect(corkedAtSend).toEqual([1]); // once, for both, before the uncork
      await confirmations.flush();
      expect(await left()).toEqual({ entries: 1, pending: 1 });
      // nothing held back: it is sent on its own, in the next turn
      confirmations.add(ids[2] as string);
      await new Promise((resolve) => setImmediate(resolve));
      await confirmations.flush();
      expect(corkedAtSend).toEqual([1]);
      expect(await left()).toEqual({ entries: 0, pending: 0 });
    } finally {
      await transport.close();
    }
  });

  it('sends what waits when flushed, so that closing loses no confirmation', async () => {
    const ids = await pendingEntries(2);
    const confirmations = new Confirmations(client, stream, captureLogger().logger, refusals());
    for (const id of ids) confirmations.add(id);
    await confirmations.flush(); // in the same turn: nothing was sent yet
    expect(await left()).toEqual({ entries: 0, pending: 0 });
  });

  it('confirms more ids than one script call takes (Lua unpacks a few thousand at most)', async () => {
    const ids = await pendingEntries(10_000);
    const confirmations = new Confirmations(client, stream, captureLogger().logger, refusals());
    for (const id of ids) confirmations.add(id);
    await confirmations.flush();
    expect(await left()).toEqual({ entries: 0, pending: 0 });
  });

  it('logs a confirmation that failed, and says what follows', async () => {
    const { logger, records } = captureLogger();
    await client.del(stream);
    await client.set(stream, 'not a stream');
    const confirmations = new Confirmations(client, stream, logger, new WriteRefusals(logger, 'redis://test'));
    confirmations.add('1-1');
    await confirmations.flush();
    // an error reply of Redis's is a refusal, said once a streak (see write-refusals.test.ts)
    expect(
      records.some(
        (r) =>
          r.level === 'warn' &&
          /refuses the confirmations of finished durable requests: they run again \(WRONGTYPE/.test(String(r.message)),
      ),
    ).toBe(true);
  });
});
