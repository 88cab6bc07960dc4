// Redis drops a subscriber whose output buffer passes its pub/sub hard limit (32 MiB by default).
// A reply past it cut the caller's connection: the caller got TRANSPORT_ERROR saying nothing of
// size, every other request in flight on it lost its reply, and the service logged nothing. Now a
// reply over maxReplyBytes is not published: the caller gets a PAYLOAD_TOO_LARGE error reply and
// the service logs a warning. A private redis-server with a 2 MiB limit keeps the test light.
import { randomUUID } from 'node:crypto';
import { Daebus, DaebusCaller } from 'daebus';
import { captureLogger } from '../support/helpers';
import { privateRedis, type PrivateRedis } from '../support/redis-server';

const MiB = 1024 * 1024;
let server: PrivateRedis;
let app: Daebus | undefined;
let caller: DaebusCaller | undefined;

beforeAll(async () => {
  server = await privateRedis(['--client-output-buffer-limit', 'pubsub', '2mb', '1mb', '60']);
});

afterAll(async () => {
  await server.stop();
});

afterEach(async () => {
  await caller?.close();
  await app?.stop();
  [app, caller] = [undefined, undefined];
});

describe('a reply over maxReplyBytes, over Redis', () => {
  it.each([
    ['a final reply', false],
    ['a streamed update', true],
  ])('%s is not sent: the caller gets PAYLOAD_TOO_LARGE, and its other requests their replies', async (_what, streamed) => {
    const service = `reply_size_${randomUUID()}`;
    const { logger, records } = captureLogger();
    app = new Daebus(service, { logger, maxReplyBytes: 1.5 * MiB });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const smallStarted = new Promise<void>((resolve) => (started = resolve));
    app.action('small', async () => {
      started();
      await released;
      return { small: true };
    });
    app.action('big', async ({ mb }, { response }) => {
      const data = { s: 'é'.repeat((Number(mb) * MiB) / 2) }; // two bytes a character in UTF-8
      if (!streamed) return data;
      await response.send(data, { final: false });
      // after an update over the limit ended the request: dropped, with a warning saying why
      await response.send({ stage: 'after' }, { final: false });
      return { done: true };
    });
    await app.start({ redis: server.url });
    caller = new DaebusCaller(service, { redis: server.url, timeoutMs: 20_000 });

    const small = caller.sendRequest('small', {});
    await smallStarted;
    // under the limit: sent as it is
    await expect(caller.sendRequest('big', { mb: 1 })).resolves.toMatchObject(streamed ? { done: true } : { s: expect.any(String) });
    // over it (and over Redis's own limit): an error reply naming both sizes, and what to do
    const big = caller.sendRequest('big', { mb: 3 });
    await expect(big).rejects.toMatchObject({ code: 'REMOTE_ERROR', details: { remoteCode: 'PAYLOAD_TOO_LARGE' } });
    await expect(big).rejects.toThrow(/is 3145\d\d\d bytes \(3\.0 MiB\), over the service's maxReplyBytes of 1572864 bytes \(1\.5 MiB\)/);
    await expect(big).rejects.toThrow(/Redis drops a subscriber whose output buffer passes 32 MiB.*a key in app.cache/);
    // the caller's connection is still there: the request in flight on it gets its reply
    release();
    await expect(small).resolves.toEqual({ small: true });
    await expect(caller.sendRequest('big', { mb: 0.5 })).resolves.toBeDefined();
    const warnings = records.filter((r) => r.level === 'warn' && String(r.message).includes('maxReplyBytes'));
    // a streamed one: the handler's update after it is dropped, and the warning says why
    expect(warnings).toHaveLength(streamed ? 2 : 1);
    expect(warnings[0]).toMatchObject({ action: 'big', message: expect.stringMatching(/^(The reply|A streamed update) is /) as unknown });
    if (streamed)
      expect(warnings[1]?.message).toMatch(/^A reply was dropped: the request had ended when an earlier update was over maxReplyBytes/);
  });

  it('by default stops below what Redis takes: a reply of 29 MiB, under its 32 MiB limit, is refused (before: sent, and Redis cut the caller off)', async () => {
    // Redis counts the memory it allocates for a message, rounded up to 32 MiB from about 28 MiB
    const stock = await privateRedis();
    try {
      const service = `reply_size_default_${randomUUID()}`;
      const { logger } = captureLogger();
      app = new Daebus(service, { logger });
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      app.action('small', async () => {
        await released;
        return { small: true };
      });
      app.action('big', () => ({ s: 'x'.repeat(29 * MiB) }));
      await app.start({ redis: stock.url });
      caller = new DaebusCaller(service, { redis: stock.url, timeoutMs: 20_000 });
      const small = caller.sendRequest('small', {});
      await expect(caller.sendRequest('big', {})).rejects.toMatchObject({ details: { remoteCode: 'PAYLOAD_TOO_LARGE' } });
      release();
      await expect(small).resolves.toEqual({ small: true });
    } finally {
      await caller?.close();
      await app?.stop();
      [app, caller] = [undefined, undefined];
      await stock.stop();
    }
  });

  it('the options are checked at construction: below 1 KiB even the built-in actions were refused', () => {
    for (const key of ['maxReplyBytes', 'maxPayloadBytes']) {
      expect(() => new Daebus('reply_size_option', { [key]: 1_023 })).toThrow(
        `options.${key} must be a whole number of bytes >= 1024 (below, even the built-in daebus.ping and daebus.health were refused) (got 1023)`,
      );
    }
  });

  it('leaves the built-in actions answered at the smallest limits', async () => {
    const service = `reply_size_floor_${randomUUID()}`;
    app = new Daebus(service, { logger: captureLogger().logger, maxReplyBytes: 1_024, maxPayloadBytes: 1_024 });
    app.thread('worker', async (running, t) => {
      while (running()) await t.sleep(20);
    });
    await app.start({ redis: server.url });
    caller = new DaebusCaller(service, { redis: server.url, timeoutMs: 10_000 });
    await expect(caller.sendRequest('daebus.ping', {})).resolves.toMatchObject({ pong: true });
    await expect(caller.sendRequest('daebus.health', {})).resolves.toMatchObject({ status: 'ok', ready: true });
  });
});
