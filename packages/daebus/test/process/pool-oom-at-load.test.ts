// A pooled handler module whose top-level code ends the pool worker loading it (here: out of heap,
// in a child process given a small heap) must fail alone, named in the log, and not leave the pool
// without workers: piscina starts none on its own once a worker ended as it started. A handler
// that runs its worker out of heap as it runs fails its call with an error that names it.
import { spawnSync } from 'node:child_process';
import { fixture } from '../support/helpers';

interface Outcome {
  value?: unknown;
  code?: string;
  message?: string;
}

interface Run {
  outcomes: { first: Outcome; hogs: Outcome; after: Outcome[]; hogsOnCall: Outcome; afterHog: Outcome };
  errors: { message: string; module?: string }[];
}

describe('a pooled handler module that runs its worker out of heap', () => {
  let run: Run;

  beforeAll(() => {
    const child = spawnSync(process.execPath, ['--max-old-space-size=96', fixture('pool-oom-at-load.cjs')], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect({ status: child.status, signal: child.signal, stderr: child.status === 0 ? '' : child.stderr }).toEqual({
      status: 0,
      signal: null,
      stderr: '',
    });
    const lines = child.stdout.trim().split('\n');
    const outcomes = JSON.parse(lines.pop() ?? '{}') as Run['outcomes'];
    run = { outcomes, errors: lines.map((line) => JSON.parse(line) as Run['errors'][number]) };
  }, 150_000);

  it('as it loads is named and skipped from then on; the other modules’ calls run, the first one included', () => {
    const { outcomes, errors } = run;
    // before: the first call failed with the worker's out-of-memory error, and every call after
    // it waited out its timeout, as piscina started no worker again
    expect(outcomes.first).toMatchObject({ value: { fib: 55 } });
    expect(outcomes.hogs).toMatchObject({
      code: 'THREAD_LOAD_FAILED',
      message: expect.stringMatching(/pooled-hogs-on-import\.mjs ended the pool worker that loaded it/),
    });
    expect(outcomes.after).toMatchObject([{ value: { fib: 1 } }, { value: { fib: 1 } }, { value: { fib: 2 } }]);
    const named = errors.filter((e) =>
      /A pool worker ended as it loaded the pooled handler module .*pooled-hogs-on-import\.mjs/.test(e.message),
    );
    expect(named).toHaveLength(1);
    expect(named[0]?.message).toMatch(/out of memory/);
    expect(named[0]?.module).toMatch(/pooled-hogs-on-import\.mjs$/);
  });

  it('as its handler runs fails that call with HANDLER_ERROR naming the action, and the pool goes on', () => {
    // before: Node's own ERR_WORKER_OUT_OF_MEMORY and its text, naming neither
    expect(run.outcomes.hogsOnCall).toEqual({
      code: 'HANDLER_ERROR',
      message: expect.stringMatching(/^Pooled action "hogsOnCall" ran its worker out of memory \(.*\); the pool replaced it\./),
    });
    expect(run.outcomes.afterHog).toMatchObject({ value: { fib: 3 } });
  });
});
