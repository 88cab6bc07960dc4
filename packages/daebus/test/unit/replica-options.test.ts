// The replicas option's heartbeat: a whole number (Redis takes three of them as a PX), and three of
// them within Node's longest timer (before: a decimal failed the start with Redis's "value is not
// an integer", and 2^30 made the channel's watch poll Redis every millisecond).
import { DEFAULT_REPLICA_OPTIONS, resolveReplicaOptions } from '../../src/main/replicas/options';

describe('replicas.heartbeatMs', () => {
  it.each([0, 1000.5, 715_827_883, 2 ** 30, Infinity, Number.NaN])('refuses %p, saying the range', (heartbeatMs) => {
    expect(() => resolveReplicaOptions({ heartbeatMs })).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: `start(options): options.replicas: heartbeatMs must be a whole number of milliseconds from 1 to 715827882 (a replica counts as gone after three) (got ${String(heartbeatMs)}).`,
      }),
    );
  });

  it('takes 1, the default and the largest', () => {
    for (const heartbeatMs of [1, DEFAULT_REPLICA_OPTIONS.heartbeatMs, 715_827_882]) {
      expect(resolveReplicaOptions({ heartbeatMs }).heartbeatMs).toBe(heartbeatMs);
    }
  });
});
