// `daebus health`'s exit status: what a probe restarts a service on. A replica that is stopping (a
// rolling deploy's drain) is shown, and not counted while another replica stays.
import { healthExitCode } from '../../src/cli/health-status';
import type { ReplicaAnswer } from '../../src/cli/replica-targets';
import type { Health } from '../../src/main/ops/health';
import { DaebusError, ErrorCodes } from '../../src/shared/errors';

const health = (ready: boolean, stopping = false): Health => ({
  status: 'ok',
  ready,
  transport: { connected: true, description: 'redis' },
  threads: { failed: [], stalled: [] },
  ...(stopping ? { stopping: true as const } : {}),
});
const replica = (id: string, leaving = false): ReplicaAnswer<Health>['replica'] => ({
  id,
  host: 'h',
  pid: 1,
  startedAt: 0,
  inFlight: 0,
  lastSeen: 0,
  ...(leaving ? { leaving: true as const } : {}),
});
const status = (...answers: ReplicaAnswer<Health>[]): number => healthExitCode({ replicated: true, answers });
const silent = new DaebusError(ErrorCodes.TIMEOUT, 'no answer');

describe('daebus health exit status', () => {
  it('of a service that runs no replicas: 0 when ready, 1 when not', () => {
    expect(healthExitCode({ replicated: false, value: health(true) })).toBe(0);
    expect(healthExitCode({ replicated: false, value: health(false) })).toBe(1);
  });

  it('is 0 while an old replica drains (listed as leaving, or answering that it stops) and the new one is ready', () => {
    // before: 1, during every rolling deploy
    expect(status({ replica: replica('old', true), value: health(false, true) }, { replica: replica('new'), value: health(true) })).toBe(0);
    expect(status({ replica: replica('old'), value: health(false, true) }, { replica: replica('new'), value: health(true) })).toBe(0);
    // the old one exited between the listing and the question
    expect(status({ replica: replica('old', true), error: silent }, { replica: replica('new'), value: health(true) })).toBe(0);
  });

  it('counts every other replica: 1 when one that stays is not ready, 3 when one that stays did not answer', () => {
    expect(status({ replica: replica('old', true), value: health(false, true) }, { replica: replica('new'), value: health(false) })).toBe(
      1,
    );
    expect(status({ replica: replica('a'), value: health(true) }, { replica: replica('b'), error: silent })).toBe(3);
    expect(status({ replica: replica('a'), value: health(true) }, { replica: replica('b'), value: health(true) })).toBe(0);
  });

  it('is not 0 when every replica is stopping: nothing stays to serve', () => {
    expect(status({ replica: replica('a', true), value: health(false, true) }, { replica: replica('b'), value: health(false, true) })).toBe(
      1,
    );
    expect(status({ replica: replica('a', true), error: silent })).toBe(3);
  });
});
