// A thread that writes shared state in a loop without awaiting its calls is held to the main
// thread's pace: once 4096 of its calls wait unserved, its next call blocks the thread until the
// main side has served half. Before, such a loop sent hundreds of thousands of calls a second: the
// main process's memory grew by GBs, its event loop starved (actions took seconds), and a stop took seconds.
import { appPerTest } from '../support/app-per-test';
import { waitFor } from '../support/helpers';

const t = appPerTest('state_flood');

describe('a thread writing shared state without awaiting', () => {
  it('sends at most 4096 calls while the main thread serves none, and stops at once', async () => {
    const sent = new Int32Array(new SharedArrayBuffer(4));
    t.app.thread(
      'writer',
      async (running, th) => {
        const { sent } = th.workerData as { sent: Int32Array };
        const map = th.map('m');
        let i = 0;
        while (running()) {
          void map.set(`k${i % 100}`, i);
          Atomics.store(sent, 0, ++i);
          if (i % 100 === 0) await th.sleep(0);
        }
      },
      { workerData: { sent } },
    );
    await t.start();
    await waitFor(() => Atomics.load(sent, 0) > 20_000, 'the writer well under way');

    // the main thread serves nothing while it is blocked here. The writer counts a call just after
    // sending it, so at this read one call may be sent (and even served) that the count does not
    // show yet: the bound is the 4096 unserved plus that one.
    const before = Atomics.load(sent, 0);
    const until = Date.now() + 500;
    while (Date.now() < until);
    expect(Atomics.load(sent, 0) - before).toBeLessThanOrEqual(4096 + 1);

    // what it wrote arrived, and the thread is still running (its wait is no stall)
    await waitFor(async () => (await t.app.map('m').get('k0')) !== undefined, 'the writes served');
    expect(t.app.threads.writer?.state).toBe('running');
    await t.app.stopThread('writer');
    expect(t.app.threads.writer?.state).toBe('stopped');
  });
});
