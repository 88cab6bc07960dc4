// The Redis address the `daebus` command takes: every form a service takes from REDIS_URL (ioredis
// reads a bare host:port, host or port too), shown without its password.
import { redisOptions, shownUrl } from '../../src/cli/connection';
import { CliError } from '../../src/cli/exit-codes';
import { DEFAULT_REDIS_URL } from '../../src/cli/options';
import { buildProgram } from '../../src/cli/program';

describe('the CLI Redis address', () => {
  it('reads URLs, a bare host:port, a host, a port and a socket path', () => {
    expect(redisOptions('redis://:pw@db.example:6390/2', 500)).toEqual({
      host: 'db.example',
      port: 6390,
      password: 'pw',
      db: 2,
      connectTimeout: 500,
    });
    expect(redisOptions('rediss://db.example', 500)).toMatchObject({ host: 'db.example', port: 6379, tls: {} });
    expect(redisOptions('10.0.0.5:6390', 500)).toEqual({ host: '10.0.0.5', port: 6390, connectTimeout: 500 });
    expect(redisOptions('db.example', 500)).toEqual({ host: 'db.example', port: 6379, connectTimeout: 500 });
    expect(redisOptions('6390', 500)).toEqual({ host: '127.0.0.1', port: 6390, connectTimeout: 500 });
    expect(redisOptions('[::1]:6390', 500)).toEqual({ host: '::1', port: 6390, connectTimeout: 500 });
    expect(redisOptions('/run/redis.sock', 500)).toEqual({ path: '/run/redis.sock', connectTimeout: 500 });
  });

  it('refuses another scheme, a bad port and a database that is not a number, as usage errors', () => {
    for (const bad of ['http://db.example:6379', 'db.example:99999', 'redis://db.example/x']) {
      expect(() => redisOptions(bad, 500)).toThrow(CliError);
    }
    expect(() => redisOptions('http://db.example:6379', 500)).toThrow('it must start with redis:// or rediss://');
  });

  it("reads a socket URL with a database, a user and a password (redis-py's form), and refuses a bad one without showing its password", () => {
    expect(redisOptions('unix:///run/redis.sock?db=2&username=app&password=s%26cret', 500)).toEqual({
      path: '/run/redis.sock',
      db: 2,
      username: 'app',
      password: 's&cret',
      connectTimeout: 500,
    });
    expect(redisOptions('unix:///run/redis.sock', 500)).toEqual({ path: '/run/redis.sock', connectTimeout: 500 });
    const refused = (url: string): string => {
      try {
        redisOptions(url, 500);
      } catch (err) {
        expect(err).toBeInstanceOf(CliError);
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refused('unix://host/run/redis.sock?password=secret')).toMatch(/password=\*\*\*" names a host \("host"\)/);
    expect(refused('unix:///run/redis.sock?db=x&password=secret')).toContain('has a db that is not a number');
    expect(refused('unix:///run/redis.sock?timeout=5')).toContain('has "timeout" in its query');
    expect(refused('unix:///?password=secret')).toContain('names no socket path');
    expect(refused('unix://:secret@/run/redis.sock')).toContain('a user or password goes in the query');
    for (const url of ['unix://host/x?password=secret', 'unix://:secret@/run/redis.sock']) expect(refused(url)).not.toContain('secret');
    expect(shownUrl('unix:///run/redis.sock?db=2&password=secret')).toBe('unix:///run/redis.sock?db=2&password=***');
  });

  it('shows every form as a URL, without its password', () => {
    expect(shownUrl('redis://user:secret@db.example:6390')).toBe('redis://user:***@db.example:6390');
    expect(shownUrl('user:secret@db.example:6390')).toBe('redis://user:***@db.example:6390');
    expect(shownUrl('db.example:6390')).toBe('redis://db.example:6390');
    expect(shownUrl('6390')).toBe('redis://127.0.0.1:6390');
    expect(() => redisOptions('user:secret@db.example:99999', 500)).toThrow(/^(?!.*secret)/);
  });
});

describe('the --redis option', () => {
  it('reads a blank address (an empty REDIS_URL) as the default one', () => {
    const saved = process.env.REDIS_URL;
    try {
      for (const [args, env] of [
        [['--redis', ''], undefined],
        [['--redis', '  '], undefined],
        [[], ''],
      ] as const) {
        if (env === undefined) delete process.env.REDIS_URL;
        else process.env.REDIS_URL = env;
        const program = buildProgram();
        program.parseOptions([...args]);
        expect(program.opts().redis).toBe(DEFAULT_REDIS_URL);
      }
    } finally {
      if (saved === undefined) delete process.env.REDIS_URL;
      else process.env.REDIS_URL = saved;
    }
  });
});
