// What a replica says of its request stream: its health (while Redis is down, ioredis holds a read
// until it reconnects instead of failing it: before, the health said `reading: true` all along),
// and its log of the requests it claimed from a replica that stopped answering for them.
import { requestLabels, takenOver } from '../../src/main/replicas/entries';
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
    let status = 'ready';
    const reads = new ReadHealth(() => status);
    expect(reads.failed('WRONGTYPE Operation against a key')).toBe(true);
    expect(reads.failure).toBe('WRONGTYPE Operation against a key');
    status = 'reconnecting';
    expect(reads.succeeded()).toBe(true);
    expect(reads.failure).toBe("the stream reader's connection to Redis is down (reconnecting)");
  });

  it('does not log a read that failed while the reader connection was down: the outage notice said it', () => {
    let status = 'reconnecting';
    const reads = new ReadHealth(() => status);
    // before: logged as "Reading the request stream failed: Reached the max retries per request limit ..."
    expect(reads.failed('Reached the max retries per request limit (which is 20).')).toBe(false);
    expect(reads.failure).toBe("the stream reader's connection to Redis is down (reconnecting)");
    status = 'ready';
    expect(reads.failure).toBeUndefined();
    expect(reads.failed('WRONGTYPE Operation against a key')).toBe(true);
  });
});

describe('a request claimed from a replica that stopped answering for it', () => {
  it('is logged as taken over to run again, or as dropped unrun when its caller gave up (before: "Took over" either way)', () => {
    expect(takenOver('1-0', 2, false, {})).toBe('Took over request 1-0 from a replica that stopped answering for it (delivery 2)');
    expect(takenOver('1-0', 2, true, {})).toMatch(/^Dropped request 1-0 unrun: taken over .* after its caller's timeout had passed$/);
  });

  it("names the request's action and id, so that the line meets its handler's and its caller's (before: the entry id only)", () => {
    const labels = requestLabels(JSON.stringify({ action: 'work', payload: { action: 'inner' }, request_id: 'r-7', reply_to: 'caller:x' }));
    expect(labels).toEqual({ action: 'work', request_id: 'r-7' });
    expect(takenOver('1-0', 2, false, labels)).toBe(
      'Took over request 1-0 (action "work", request_id r-7) from a replica that stopped answering for it (delivery 2)',
    );
    expect(requestLabels('not json')).toEqual({});
    expect(requestLabels(JSON.stringify({ action: 'ping', request_id: 12 }))).toEqual({ action: 'ping', request_id: '12' });
  });
});
