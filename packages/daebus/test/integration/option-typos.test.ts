// Options a user can misspell in plain JavaScript, where no type checker catches it: each is
// refused with an error naming the option and the ones there are, and nothing starts or is sent.
import Redis from 'ioredis';
import { DaebusCaller, RedisTransport } from 'daebus';
import { show } from '../../src/shared/validate';
import { appPerTest } from '../support/app-per-test';

const t = appPerTest('option-typos');

describe('misspelled and missing options', () => {
  it('refuses an unknown key of start(options) and of run(options), and the app stays idle', async () => {
    await expect(t.app.start({ servce: 'x' } as never)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringContaining('unknown option "servce" in options (known: service,'),
    });
    await expect(t.app.run({ handleSignals: false, conectTimeoutMs: 5 } as never)).resolves.toBe(1);
    expect(t.records.some((r) => String(r.message).includes('unknown option "conectTimeoutMs"'))).toBe(true);
    process.exitCode = 0;
    // the refused starts left nothing behind: a right one works
    await t.app.start({ transport: 'memory' });
  });

  it("refuses an unknown key of a caller's options and of a request's options", async () => {
    expect(() => new DaebusCaller('x', { timout: 5 } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('unknown option "timout"') }),
    );
    t.app.action('echo', (payload) => payload);
    await t.app.start({ transport: 'memory' });
    const caller = new DaebusCaller(t.app.service, { transport: 'memory' });
    try {
      await expect(caller.sendRequest('echo', {}, { timeout: 100 } as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('unknown option "timeout" in options (known: timeoutMs, onProgress)'),
      });
      // Python's send_request(action, payload, 5), in seconds: before, the 5 was dropped and the default waited
      await expect(caller.sendRequest('echo', {}, 5 as never)).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message:
          'sendRequest("echo"): options must be an object, got the number 5; a timeout goes in it, in milliseconds: { timeoutMs: 5000 } (Python\'s send_request takes seconds).',
      });
      // the right spelling still goes through, on the path that checks nothing more
      await expect(caller.sendRequest('echo', { a: 1 }, { timeoutMs: 1_000 })).resolves.toEqual({ a: 1 });
    } finally {
      await caller.close();
    }
  });

  it("refuses an unknown key of a background task's options", () => {
    expect(() => t.app.background('tick', 1, () => undefined, { immediate: true } as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('unknown option "immediate"') }),
    );
    expect(() => t.app.background('tick', 1, () => undefined, { immediately: 'yes' } as never)).toThrow(/options.immediately must be/);
  });

  it('says an entry that is undefined is missing, rather than looking a thread up', () => {
    expect(() => t.app.thread('x', undefined as never, { restart: 'permanent' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('its entry is undefined') }),
    );
    expect(() => t.app.thread('x')).toThrow(expect.objectContaining({ code: 'UNKNOWN_THREAD' }));
  });

  it('refuses an ioredis client given as the redis option (before: read as options, and connected to localhost:6379)', async () => {
    const client = new Redis('redis://127.0.0.1:1/3', { lazyConnect: true });
    const refusal = { code: 'INVALID_OPTION', message: expect.stringContaining('redis takes a URL or ioredis options, not a client') };
    await expect(t.app.start({ redis: client as unknown as string })).rejects.toMatchObject(refusal);
    expect(() => new DaebusCaller('x', { redis: client as unknown as string })).toThrow(expect.objectContaining(refusal));
    client.disconnect();
  });

  it('refuses a Redis URL that does not parse or names another scheme, without showing its password', async () => {
    await expect(t.app.start({ redis: 'redis://:secret@127.0.0.1:99999' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: 'the redis option is not a valid URL (got redis://***@127.0.0.1:99999); use redis://host:port, or rediss:// for TLS.',
    });
    expect(() => new DaebusCaller('x', { redis: 'http://localhost:6379' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('must be a redis:// or rediss:// URL') }),
    );
    // one with no scheme is read as host:port; one that is none (before: Node's bare "Invalid URL", no code)
    await expect(t.app.start({ redis: 'not a url' })).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: 'the redis option is not a Redis URL (got "not a url"); use redis://host:port.',
    });
    // a scheme without its colon (before: taken for a socket path, "Could not connect to Redis at unix://127.0.0.1:6379")
    expect(() => new DaebusCaller('x', { redis: 'redis//127.0.0.1:6379' })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: 'the redis option is not a Redis URL (got "redis//127.0.0.1:6379"); use redis://host:port.',
      }),
    );
    // Sentinel has no URL here: the refusal says what to give instead
    expect(() => new DaebusCaller('x', { redis: 'redis-sentinel://127.0.0.1:26379' })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('for Sentinel, give ioredis options: { sentinels'),
      }),
    );
    // a database that is no number (before: ioredis sent SELECT NaN, and its refusal ended the process)
    expect(() => new DaebusCaller('x', { redis: 'redis://127.0.0.1:6379/abc' })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('the database after the host must be a database number, 0 or more'),
      }),
    );
    // a % in the password that starts no %XX escape (before: ioredis's bare URIError, thrown from the constructor)
    const escapes = { code: 'INVALID_OPTION', message: expect.stringContaining('the password has a % that starts no %XX escape') };
    expect(() => new DaebusCaller('x', { redis: 'redis://:s3c%ret@127.0.0.1:6379' })).toThrow(expect.objectContaining(escapes));
    await expect(t.app.start({ redis: 'redis://:s3c%ret@127.0.0.1:6379' })).rejects.toMatchObject(escapes);
    expect(() => new DaebusCaller('x', { redis: 'u:s3c%ret@127.0.0.1:6379' })).toThrow(expect.objectContaining(escapes));
    expect(() => new DaebusCaller('x', { redis: 'redis://:s3c%ret@127.0.0.1:6379' })).toThrow(/got redis:\/\/\*\*\*@127\.0\.0\.1:6379\)/);
    expect(() => new RedisTransport('redis://u%:pw@127.0.0.1:6379')).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('the URL given to RedisTransport: the user has a %'),
      }),
    );
    expect(() => new DaebusCaller('x', { redis: 'pass word@my host' })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringContaining('(got "***@my host")') }),
    ); // before: taken, and its requests went over pub/sub without a word
    expect(() => new DaebusCaller('x', { transport: 'memory', durable: true })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(/^new DaebusCaller\(service, \{ durable: true \}\) needs the Redis transport/),
      }),
    );
  });

  it('shows NaN and Infinity as themselves in messages', () => {
    expect(show(Number.NaN)).toBe('NaN');
    expect(show(-Infinity)).toBe('-Infinity');
    expect(() => t.app.thread('w', () => undefined, { initialDelayMs: Number.NaN })).toThrow(/\(got NaN\)/);
  });
});
