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
});
