// The human form of a health report, as `daebus health` and `daebus watch` print it.
import { describeHealth } from '../../src/cli/describe';

describe('describeHealth', () => {
  it('says a service that is still starting is not ready yet', () => {
    const lines = describeHealth({
      status: 'failing',
      ready: false,
      starting: true,
      transport: { connected: true, description: 'memory' },
      threads: { failed: [], stalled: [] },
    });
    expect(lines).toEqual(['failing, NOT ready, still starting (memory connected)']);
  });

  it('names the threads that crashed and wait to restart, and reads a report from a service that has no such field', () => {
    const health = {
      status: 'degraded' as const,
      ready: false,
      transport: { connected: true, description: 'redis' },
      threads: { failed: [], stalled: [], restarting: ['worker'] },
    };
    expect(describeHealth(health)).toEqual(['degraded, NOT ready (redis connected)', 'restarting threads (crashed, in backoff): worker']);
    expect(describeHealth({ ...health, threads: { failed: [], stalled: [] } })).toEqual(['degraded, NOT ready (redis connected)']);
  });
});
