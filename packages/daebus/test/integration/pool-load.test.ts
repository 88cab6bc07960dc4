// Pooled handler modules that misbehave as a pool worker loads them (ending the worker, or never
// finishing), and what a call that waited for starting workers is told.
import type { DaebusCaller } from 'daebus';
import { fixture, waitFor, type LogRecord } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';

const pooled = fixture('pooled.mjs');
const t = appPerTest('poolload', { maxWorkers: 2 });

function errorsLogged(text: string): LogRecord[] {
  return t.records.filter((r) => r.level === 'error' && r.message.includes(text));
}

describe('pooled handler modules as the pool loads them', () => {
  let caller: DaebusCaller;

  it("fail alone, logged once with the cause, when their top-level code calls process.exit(): the other modules' calls still run", async () => {
    t.app.action('exits', { module: fixture('pooled-exits-on-import.mjs') }).action('fib', { module: pooled, timeoutMs: 5_000 });
    await t.start();
    caller = t.caller({ timeoutMs: 20_000 });
    // before: the worker ended as it loaded, piscina started none in its place, and this call
    // waited out its timeout ("every worker of the pool was busy"), with nothing logged
    await expect(caller.sendRequest('fib', { n: 10 })).resolves.toMatchObject({ fib: 55 });
    const failure = {
      code: 'REMOTE_ERROR',
      message: expect.stringContaining('pooled-exits-on-import.mjs could not be loaded: its top-level code called process.exit(3)'),
      details: expect.objectContaining({ remoteCode: 'THREAD_LOAD_FAILED' }),
    };
    await expect(caller.sendRequest('exits')).rejects.toMatchObject(failure);
    await expect(caller.sendRequest('exits')).rejects.toMatchObject(failure);
    await expect(caller.sendRequest('fib', { n: 10 })).resolves.toMatchObject({ fib: 55 });
    await waitFor(() => errorsLogged('pooled-exits-on-import.mjs could not be loaded').length > 0, 'the failed load to be logged');
    // both workers failed to load it: logged by the first only
    expect(errorsLogged('pooled-exits-on-import.mjs could not be loaded')).toHaveLength(1);
    expect(errorsLogged('pooled-exits-on-import.mjs could not be loaded')[0]).toMatchObject({
      module: expect.stringContaining('pooled-exits-on-import.mjs'),
      error: expect.objectContaining({ message: expect.stringContaining('process.exit(3)') }),
    });
  });

  it('are logged once, and skipped from then on, when their top-level code loops for ever; the other modules then run', async () => {
    t.app.action('loops', { module: fixture('pooled-loops-on-import.mjs') }).action('fib', { module: pooled, timeoutMs: 30_000 });
    await t.start();
    caller = t.caller({ timeoutMs: 40_000 });
    // before: nothing was ever logged, and every worker stayed stuck in that module for good.
    // The first workers load the modules at once and are stopped blocked, which is logged; the
    // next ones load them one at a time, and the one blocked then names the module.
    await waitFor(
      () => errorsLogged('its next workers load the modules one at a time').length > 0,
      'the blocked workers to be logged',
      25_000,
    );
    const stuck = 'pooled-loops-on-import.mjs 11 s after it started, its event loop blocked';
    await waitFor(() => errorsLogged(stuck).length > 0, 'the module that loops to be logged', 25_000);
    await expect(caller.sendRequest('fib', { n: 10 })).resolves.toMatchObject({ fib: 55 });
    await expect(caller.sendRequest('loops')).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      message: expect.stringContaining(
        'pooled-loops-on-import.mjs did not finish loading: its top-level code ran synchronously for over 10 s',
      ),
      details: expect.objectContaining({ remoteCode: 'THREAD_LOAD_FAILED' }),
    });
    await expect(caller.sendRequest('fib', { n: 10 })).resolves.toMatchObject({ fib: 55 });
    expect(errorsLogged(stuck)).toHaveLength(1);
    expect(errorsLogged(stuck)[0]).toMatchObject({ module: expect.stringContaining('pooled-loops-on-import.mjs') });
  }, 90_000);

  it('tell a call that waited for workers still starting, not busy, so', async () => {
    t.remake({ maxWorkers: 1 });
    t.app
      .action('slow', { module: fixture('pooled-slow-import.mjs') })
      .action('spins', { module: pooled, export: 'spins', timeoutMs: 3_000 });
    await t.start();
    caller = t.caller({ timeoutMs: 20_000 });
    // the only worker loads a module that takes a while: the first call waits for it, then runs past its timeout
    const failed = caller.sendRequest('spins').then(
      () => 'answered',
      (err: Error) => err.message,
    );
    const message = await failed;
    // before: "(every worker of the pool was busy) ... Raise maxWorkers", with no call running
    expect(message).toMatch(
      /^Pooled action "spins" ran past its timeout of 3000 ms, of which it waited about \d+ ms for a free worker \(the pool's workers were still starting: a new worker loads the pooled handler modules before it takes a call\) and ran about \d+ ms; its worker was stopped\. Raise the action's timeoutMs, or call it once the workers started\.$/,
    );
  });
});
