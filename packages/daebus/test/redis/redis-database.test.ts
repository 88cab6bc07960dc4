// A service on a Redis database other than 0 says which one, in its log and in daebus.info: the
// keys of its replicas and of service-wide state live in that database (channels are server-wide),
// so an operator who copied an address without it looked in database 0 and found one service
// where three replicas ran, one of them failing.
import { randomUUID } from 'node:crypto';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';

const url = `${TEST_REDIS_URL.replace(/\/\d*$/, '')}/2`;
let app: Daebus | undefined;
let caller: DaebusCaller | undefined;

afterEach(async () => {
  await caller?.close();
  await app?.stop();
});

describe('a service on database 2', () => {
  it('names the database in its start line and in daebus.info', async () => {
    const service = `redis_db_${randomUUID()}`;
    const { logger, records } = captureLogger();
    app = new Daebus('db', { logger });
    await app.start({ service, redis: url });
    caller = new DaebusCaller(service, { redis: url });

    const info = (await caller.sendRequest('daebus.info')) as { transport: string };
    expect(info.transport).toMatch(/^redis:\/\/[^/]+:\d+\/2$/);
    expect(records.some((r) => String(r.message).includes(`listening on ${info.transport}`))).toBe(true);
  });
});

// ioredis reports a refused SELECT only as an 'error' event and goes on in database 0: a service
// given a database the server does not have read and wrote database 0's keys without a word.
describe('a database the server does not have', () => {
  it.each([
    ['the URL', { redis: `${TEST_REDIS_URL.replace(/\/\d*$/, '')}/99` }],
    ['ioredis options', { redis: { ...hostAndPort(), db: 99 } }],
  ])('refuses the start INVALID_OPTION when given in %s, and a caller refuses likewise', async (_how, options) => {
    const service = `redis_db_missing_${randomUUID()}`;
    app = new Daebus('db', { logger: captureLogger().logger });
    // not retried for the start's whole connectTimeoutMs: waiting will not make the database exist
    await expect(app.start({ service, connectTimeoutMs: 60_000, ...options })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/refused database 99 \("ERR DB index is out of range"\)\. Name a database the server has/),
    });
    caller = new DaebusCaller(service, options);
    // every request, not only the first (before: the next said "Stream isn't writeable", or "already connecting")
    for (let i = 0; i < 3; i++)
      await expect(caller.sendRequest('daebus.info', {}, { timeoutMs: 2_000 })).rejects.toMatchObject({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('("ERR DB index is out of range")'),
      });
  });
});

function hostAndPort(): { host: string; port: number } {
  const parsed = new URL(TEST_REDIS_URL);
  return { host: parsed.hostname, port: Number(parsed.port || 6379) };
}
