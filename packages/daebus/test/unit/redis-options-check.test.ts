// The ioredis options daebus leans on, refused when the transport is made (before: a negative or
// infinite connectTimeout ended the process from inside ioredis, one past Node's longest timer
// failed the start at once as if no server listened, and a port out of range failed at connect).
import { RedisTransport } from '../../src/main/transport/redis';
import { resolveTransport } from '../../src/main/transport/resolve';

describe('the redis option', () => {
  it.each([-1, Infinity, Number.NaN, 2 ** 31, '5000'])('refuses connectTimeout %p, saying the range', (connectTimeout) => {
    expect(() => resolveTransport({ redis: { connectTimeout } as never })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringMatching(/^The redis option: connectTimeout must be a number of milliseconds from 0 to 2147483647/),
      }),
    );
  });

  it.each([-1, 65_536, 6379.5, '6379x', ''])('refuses port %p, and a sentinel port out of range', (port) => {
    expect(() => new RedisTransport({ port } as never)).toThrow('The redis option: port must be a whole number from 0 to 65535');
    expect(() => new RedisTransport({ sentinels: [{ host: 's1', port }], name: 'm' } as never)).toThrow(
      'The redis option: sentinels[0].port must be a whole number from 0 to 65535',
    );
  });

  it('takes the values in range, and 0 for connectTimeout', () => {
    for (const redis of [
      { connectTimeout: 0 },
      { connectTimeout: 1_500.5 },
      { connectTimeout: 2 ** 31 - 1, port: 0 },
      { port: 65_535 },
      { port: '6380' },
    ]) {
      expect(resolveTransport({ redis: redis as never })).toBeInstanceOf(RedisTransport);
    }
  });

  it('refuses a blank URL given as the option, and reads a blank REDIS_URL as unset', () => {
    expect(() => resolveTransport({ redis: ' ' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
    const saved = process.env.REDIS_URL;
    process.env.REDIS_URL = '  ';
    try {
      expect(resolveTransport({})).not.toBeInstanceOf(RedisTransport);
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });

  // before: ioredis's own "Requires at least one sentinel" or "Requires the name of master", with no code, at connect
  it('refuses an empty sentinel list, and sentinels without the name of the primary', () => {
    expect(() => new RedisTransport({ sentinels: [], name: 'm' })).toThrow(
      'The redis option: sentinels must be a non-empty list of { host, port }',
    );
    expect(() => new RedisTransport({ sentinels: [{ host: 's1', port: 26379 }] })).toThrow(
      'The redis option: name must be the name the sentinels monitor the primary under (with sentinels)',
    );
  });
});
