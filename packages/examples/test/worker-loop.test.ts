import type { Daebus } from 'daebus';
import { built, logsOf, memoryLogger, waitFor } from './helpers';

const { createApp } = built<typeof import('../src/seed/worker-loop/service')>('seed/worker-loop/service');

describe('seed: worker loop (continuous_worker)', () => {
  let app: Daebus | undefined;
  afterEach(async () => {
    await app?.stop();
  });

  it('processes work items until the service stops, surviving item errors', async () => {
    const { logger, records } = memoryLogger();
    app = createApp({ logger });
    await app.start();

    await waitFor('the start record', () => logsOf(records, 'worker_thread', /^Worker thread started$/)[0]);
    const progress = await waitFor('a progress record', () => logsOf(records, 'worker_thread', /^Processed \d+ work items$/)[0]);
    expect(progress.processed).toBeGreaterThan(0);
    // A malformed item throws inside the loop; the seed's try/except logs it and goes on.
    await waitFor(
      'a survived item error',
      () => logsOf(records, 'worker_thread', /^Error in worker thread: work item \d+ is malformed/)[0],
    );
    expect(app.threads.worker_thread).toMatchObject({ state: 'running', restarts: 0 });

    const result = await app.stopThread('worker_thread');
    expect(result).toMatchObject({ terminated: false, state: 'stopped' });
    await waitFor('the stopping record', () => logsOf(records, 'worker_thread', /^Worker thread stopping$/)[0]);
  });
});
