import type { Daebus, DaebusCaller } from 'daebus';
import { built, callerFor, logsOf, memoryLogger, TRANSPORTS, uniqueName, waitFor } from './helpers';

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

  // get_status is not in the seed: the example's one action, so it is driven through a caller too.
  describe.each(TRANSPORTS)('get_status over %s', (_name, transport) => {
    let caller: DaebusCaller | undefined;
    afterEach(async () => {
      await caller?.close();
    });

    it("answers with the thread's state and counts, and with the state alone once it is stopped", async () => {
      const service = uniqueName('my_service');
      app = createApp({ logger: memoryLogger().logger });
      await app.start({ service, ...transport() });
      caller = callerFor(service, transport());

      type Status = { thread: string; restarts: number; processed?: number; errors?: number };
      const status = await waitFor('processed items and a survived error', async () => {
        const current = (await caller!.sendRequest('get_status')) as Status;
        return (current.processed ?? 0) > 0 && (current.errors ?? 0) > 0 && current;
      });
      expect(status).toEqual({ thread: 'running', restarts: 0, processed: expect.any(Number), errors: expect.any(Number) });

      await app.stopThread('worker_thread');
      await expect(caller.sendRequest('get_status')).resolves.toEqual({ thread: 'stopped', restarts: 0 });
    });
  });
});
