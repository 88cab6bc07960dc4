// The replica's estimate of Redis's clock, which decides whether a request is past its deadline.
import { ClockOffset } from '../../src/main/replicas/clock-offset';

describe('the Redis clock offset', () => {
  it('is the server time minus the middle of the round trip', () => {
    const offset = new ClockOffset();
    offset.sample(1_000, 6_005, 1_010);
    expect(offset.ms).toBe(5_000);
  });

  it('ignores a heartbeat held through an outage, whose server time is seconds older than its answer', () => {
    const offset = new ClockOffset();
    offset.sample(1_000, 6_002, 1_004); // 5 s ahead, a 4 ms round trip
    // sent as Redis went down, answered 8 s later: the server read its clock at the end
    offset.sample(2_000, 15_000, 10_000);
    expect(offset.ms).toBe(5_000);
    // a fast one after it is taken again
    offset.sample(11_000, 16_101, 11_002);
    expect(offset.ms).toBe(5_100);
  });

  it('takes the first sample whatever its round trip, and slow ones on a path that is always slow', () => {
    const offset = new ClockOffset();
    offset.sample(0, 700, 1_000);
    expect(offset.ms).toBe(200);
    offset.sample(2_000, 2_800, 2_600); // slow too, but the path is never faster: taken
    expect(offset.ms).toBe(500);
  });
});
