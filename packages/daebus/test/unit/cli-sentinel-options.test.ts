// The `daebus` command's --sentinel options: the sentinels' addresses in every form given, the
// primary's credentials and database from --redis (its host is the sentinels' to give), and the
// combinations it cannot serve refused as usage errors.
import { InvalidArgumentError } from 'commander';
import { redisOptions } from '../../src/cli/connection';
import { CliError } from '../../src/cli/exit-codes';
import type { GlobalOptions } from '../../src/cli/options';
import { collectSentinel, sentinelOptions } from '../../src/cli/sentinel-options';

const globals = (extra: Partial<GlobalOptions>): GlobalOptions => ({
  redis: 'redis://127.0.0.1:6379',
  timeout: 1,
  connectTimeout: 500,
  ...extra,
});

describe('--sentinel', () => {
  it('takes host:port, a host alone (port 26379), a bracketed IPv6 address, comma lists, and repeats', () => {
    const sentinels = collectSentinel('[::1]:26381', collectSentinel('s1:26380, s2', undefined));
    expect(sentinels).toEqual(['s1:26380', 's2', '[::1]:26381']);
    expect(
      sentinelOptions(globals({ sentinel: sentinels, sentinelName: 'mymaster' }), redisOptions('redis://127.0.0.1:6379', 500)),
    ).toEqual({
      sentinels: [
        { host: 's1', port: 26380 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26381 },
      ],
      name: 'mymaster',
      connectTimeout: 500,
    });
  });

  it('refuses an address that is not host[:port], or a port out of 1-65535', () => {
    for (const bad of ['', 'a b', 'redis://s1:26379', 's1:port', 's1:99999', 's1:0', 's1:26379:1', 's1,']) {
      expect(() => collectSentinel(bad, undefined)).toThrow(InvalidArgumentError);
    }
  });

  it("takes the primary's user, password and database from --redis, not its host, and the sentinels' own password", () => {
    const primary = redisOptions('redis://app:s3cret@ignored.example:6390/2', 500);
    expect(sentinelOptions(globals({ sentinel: ['s1'], sentinelName: 'mymaster', sentinelPassword: 'sp' }), primary)).toEqual({
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'mymaster',
      username: 'app',
      password: 's3cret',
      db: 2,
      sentinelPassword: 'sp',
      connectTimeout: 500,
    });
  });

  it('is not used without --sentinel', () => {
    expect(sentinelOptions(globals({}), redisOptions('redis://127.0.0.1:6379', 500))).toBeUndefined();
  });

  it('refuses --sentinel without --sentinel-name, the name without sentinels, and TLS or a socket with them', () => {
    const plain = redisOptions('redis://127.0.0.1:6379', 500);
    expect(() => sentinelOptions(globals({ sentinel: ['s1'] }), plain)).toThrow('--sentinel needs --sentinel-name');
    expect(() => sentinelOptions(globals({ sentinelName: 'mymaster' }), plain)).toThrow('--sentinel-name goes with --sentinel');
    for (const primary of [redisOptions('rediss://127.0.0.1:6379', 500), redisOptions('/run/redis.sock', 500)]) {
      expect(() => sentinelOptions(globals({ sentinel: ['s1'], sentinelName: 'mymaster' }), primary)).toThrow(CliError);
    }
  });
});
