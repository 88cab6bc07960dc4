// A stopped app that user code lets go of is freed, with all it holds (its state, transport,
// pool, threads' supervisor). A test suite starts one per test: each used to stay for the life
// of the process, held by the stdout watch every started app registers with.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Daebus, MemoryBroker, MemoryTransport } from 'daebus';
import { captureLogger } from '../support/helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Start and stop an app that holds some state and a pooled action; only a weak reference to it comes back. */
async function startAndStop(n: number): Promise<WeakRef<Daebus>> {
  const app = new Daebus(`freed_${n}`, { logger: captureLogger().logger, maxWorkers: 1 });
  app.thread('idle', async (running, t) => {
    while (running()) await t.sleep(1_000);
  });
  await app.start({ transport: new MemoryTransport(new MemoryBroker()) });
  await app.map('big').set('v', 'x'.repeat(1_000_000));
  await app.stop();
  return new WeakRef(app);
}

it('frees a stopped app once nothing of the user holds it', async () => {
  const apps: WeakRef<Daebus>[] = [];
  for (let n = 0; n < 3; n++) apps.push(await startAndStop(n));
  // weak references read in this turn keep their targets until it ends: collect in later turns
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  expect(apps.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
});
