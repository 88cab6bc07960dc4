// What a replica's health says of its request stream reads. While Redis is down, ioredis holds a
// read until it reconnects instead of failing it: before, the health said `reading: true` all along.
import { ReadHealth } from '../../src/main/replicas/read-health';

describe('a replica reading its request stream', () => {
  it('is not reading while the reader connection is down, though no read failed', () => {
    let status = 'ready';
    const reads = new ReadHealth(() => status);
    expect(reads.failure).toBeUndefined();
    status = 'reconnecting';
    expect(reads.failure).toBe("the stream reader's connection to Redis is down (reconnecting)");
    status = 'ready';
    expect(reads.failure).toBeUndefined();
  });

  it('says why its last read failed, first', () => {
    const reads = new ReadHealth(() => 'reconnecting');
    expect(reads.failed('WRONGTYPE Operation against a key')).toBe(true);
    expect(reads.failure).toBe('WRONGTYPE Operation against a key');
    expect(reads.succeeded()).toBe(true);
    expect(reads.failure).toBe("the stream reader's connection to Redis is down (reconnecting)");
  });
});
