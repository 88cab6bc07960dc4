// The options the Redis transport gives every connection, under the user's own.
import { connectionDefaults } from '../../src/main/transport/redis-connect';

describe("the Redis transport's connection defaults", () => {
  it("turn ioredis's failover detector on through Sentinel (before: a planned failover left the service on the demoted primary, about 10 s, its writes lost)", () => {
    expect(connectionDefaults({ sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'primary' })).toMatchObject({
      failoverDetector: true,
    });
  });

  it('leave it out for a plain server, given by URL or options', () => {
    expect(connectionDefaults('redis://127.0.0.1:6379')).not.toHaveProperty('failoverDetector');
    expect(connectionDefaults({ host: '127.0.0.1', port: 6379 })).not.toHaveProperty('failoverDetector');
    expect(connectionDefaults({ sentinels: [] })).not.toHaveProperty('failoverDetector');
  });
});
