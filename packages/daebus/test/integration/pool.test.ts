// CPU-heavy actions on the piscina pool: answers, streaming, failures, responsiveness, shutdown.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { Daebus, response, type DaebusCaller, type DaebusError } from 'daebus';
import { captureLogger, fixture, waitFor, type LogRecord } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';

const pooled = fixture('pooled.mjs');
const t = appPerTest('pool', { maxWorkers: 2 });
let caller: DaebusCaller;

async function startWith(register: (app: Daebus) => void, options: { drainTimeoutMs?: number } = {}): Promise<void> {
  if (options.drainTimeoutMs !== undefined) t.remake(options);
  register(t.app);
  await t.start();
  caller = t.caller({ timeoutMs: 20_000 });
}

describe('pooled actions', () => {
  it('answer correctly and concurrently, with streamed progress', async () => {
    await startWith((a) => a.action('fib', { module: pooled }).action('plain', { module: pooled, export: 'plain' }));
    const progress: unknown[] = [];
    const results = await Promise.all(
      [25, 26, 27, 28].map((n) => caller.sendRequest('fib', { n }, { onProgress: (p) => progress.push(p) })),
    );
    expect(results).toEqual([
      { fib: 75025, action: 'fib', hasRequestId: true },
      { fib: 121393, action: 'fib', hasRequestId: true },
      { fib: 196418, action: 'fib', hasRequestId: true },
      { fib: 317811, action: 'fib', hasRequestId: true },
    ]);
    expect(progress).toHaveLength(4);
    expect(progress[0]).toEqual({ stage: 'computing', progress_percentage: 50 });
    await expect(caller.sendRequest('plain', { x: 21 })).resolves.toEqual({ plain: 42 });
  });

  it('deliver every update a handler sent before its reply, however many were still on their way', async () => {
    await startWith((a) => a.action('chatty', { module: pooled, export: 'chatty' }));
    for (let round = 0; round < 20; round++) {
      const updates: unknown[] = [];
      const counts = [1, 50, 200];
      const replies = await Promise.all(
        counts.map((count) => caller.sendRequest('chatty', { count }, { onProgress: (u) => updates.push({ count, ...(u as object) }) })),
      );
      expect(replies).toEqual(counts.map((count) => ({ sent: count })));
      for (const count of counts) {
        expect(updates.filter((u) => (u as { count: number }).count === count)).toEqual(
          Array.from({ length: count }, (_, i) => ({ count, i })),
        );
      }
    }
  });

  it("keep no messages of other workers' calls in a worker that waits for its next call", async () => {
    t.remake({ maxWorkers: 4 });
    await startWith((a) => a.action('busy', { module: pooled, export: 'busy' }).action('chatty', { module: pooled, export: 'chatty' }));
    // four workers up; then one call at a time, so three of them wait for theirs throughout
    await Promise.all([1, 2, 3, 4].map(() => caller.sendRequest('busy', { ms: 200 })));
    const round = async (): Promise<void> => {
      for (let i = 0; i < 500; i++) await caller.sendRequest('chatty', { count: 400 });
    };
    await round();
    const before = process.memoryUsage().rss;
    await round();
    await round();
    await round();
    // 600,000 updates: each waiting worker kept every one of them when they went to all workers
    // (about 100 bytes each, 180 MB in all); read once by the main side, they leave nothing but
    // the heap's own growth (steps of up to about 30 MB on Node 24)
    expect((process.memoryUsage().rss - before) / 2 ** 20).toBeLessThan(80);
  });

  it('load their modules as each worker starts, before a call needs them; later registrations load on their first call', async () => {
    await startWith((a) =>
      a.action('marked', { module: fixture('pooled-marked.mjs') }).action('broken', { module: fixture('throws-on-import.mjs') }),
    );
    // no call yet: the pool's worker loads the module as it starts, and the module's log reaches the app's logger
    await waitFor(() => t.records.some((r) => r.message === 'pooled-marked.mjs loaded'), 'a pool worker to load the registered module');
    await expect(caller.sendRequest('marked')).resolves.toEqual({ ok: true });
    // a module that failed to load as a worker started is logged then, once for the pool (before: nothing until a call)
    const failed = (): LogRecord[] =>
      t.records.filter((r) => r.level === 'error' && r.message.includes('throws-on-import.mjs could not be loaded'));
    await waitFor(() => failed().length > 0, 'the failed load to be logged');
    expect(failed()[0]).toMatchObject({
      message: expect.stringContaining('fail with THREAD_LOAD_FAILED until it loads'),
      module: expect.stringContaining('throws-on-import.mjs'),
      error: expect.objectContaining({ message: expect.stringContaining('this module fails while loading') }),
    });
    // it is loaded again by each call that needs it, which reports why
    for (let i = 0; i < 2; i++) {
      await expect(caller.sendRequest('broken')).rejects.toMatchObject({
        message: expect.stringContaining('this module fails while loading'),
        details: expect.objectContaining({ remoteCode: 'THREAD_LOAD_FAILED' }),
      });
    }
    // registered once the pool runs: its module loads on its first call
    t.app.action('late', { module: pooled });
    await expect(caller.sendRequest('late', { n: 10 })).resolves.toMatchObject({ fib: 55, action: 'late' });
    // maxWorkers 2: the second worker's failed load was not logged again
    expect(failed()).toHaveLength(1);
  });

  it('count as running only the calls a worker runs, the rest as queued (daebus.info)', async () => {
    t.remake({ maxWorkers: 1 });
    await startWith((a) => a.action('waits', { module: pooled, export: 'waits' }));
    let started = 0;
    const calls = Array.from({ length: 4 }, () => caller.sendRequest('waits', { ms: 400 }, { onProgress: () => void (started += 1) }));
    await waitFor(() => started === 1, 'the first call running');
    const { pool } = (await caller.sendRequest('daebus.info')) as {
      pool: { running: number; queued: number; threads: number; utilization: number };
    };
    // before: running 4, the queued calls counted twice; and a utilization near 0 (piscina's, a
    // lifetime average a thousand times too small) for a pool whose one worker is busy
    expect(pool).toMatchObject({ running: 1, queued: 3, threads: 1, utilization: 1 });
    await Promise.all(calls);
  });

  it('fail the calls of a module whose top-level code never finishes loading at once, saying so; log it once; hold no new worker back for it', async () => {
    t.remake({ maxWorkers: 1 });
    await startWith((a) =>
      a
        .action('hung', { module: fixture('hangs-on-import.mjs'), timeoutMs: 20_000 })
        .action('early', { module: pooled, timeoutMs: 200 })
        .action('exits', { module: pooled, export: 'exits' })
        .action('fib', { module: pooled, timeoutMs: 5_000 }),
    );
    // the only worker still loads its modules: a call that waited for it past its timeout is told
    // so (not that workers were busy: none ran a call)
    await expect(caller.sendRequest('early', { n: 5 })).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      message: expect.stringContaining("did not start within its timeout of 200 ms: the pool's workers were still starting"),
    });
    const logged = (): LogRecord[] => t.records.filter((r) => r.level === 'error' && r.message.includes('did not finish loading'));
    await waitFor(() => logged().length > 0, 'the module that does not finish loading to be logged', 25_000);
    expect(logged()[0]).toMatchObject({ module: expect.stringContaining('hangs-on-import.mjs') });
    const hung = {
      code: 'REMOTE_ERROR',
      message: expect.stringMatching(/hangs-on-import\.mjs did not finish loading within 10 s: its top-level code is still running/),
      details: expect.objectContaining({ remoteCode: 'THREAD_LOAD_FAILED' }),
    };
    await expect(caller.sendRequest('hung')).rejects.toMatchObject(hung);
    await expect(caller.sendRequest('fib', { n: 10 })).resolves.toMatchObject({ fib: 55 });
    // a new worker neither waits for that module again nor logs it again
    await expect(caller.sendRequest('exits')).rejects.toMatchObject({ code: 'REMOTE_ERROR' });
    await expect(caller.sendRequest('fib', { n: 10 })).resolves.toMatchObject({ fib: 55 });
    await expect(caller.sendRequest('hung')).rejects.toMatchObject(hung);
    expect(logged()).toHaveLength(1);
  });

  it('reply with an error when the handler throws, exits its worker, runs past its timeout, or is missing; the service goes on', async () => {
    await startWith((a) =>
      a
        .action('throws', { module: pooled, export: 'throws' })
        .action('exits', { module: pooled, export: 'exits' })
        .action('spins', { module: pooled, export: 'spins', timeoutMs: 2_000 })
        .action('missing', { module: pooled, export: 'notAFunction' })
        .action('thread', { module: fixture('sleeper.mjs') })
        .action('fib', { module: pooled }),
    );
    // twice: a handler that throws leaves its worker able to run it again
    for (let i = 0; i < 2; i++) {
      await expect(caller.sendRequest('throws')).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: 'pooled bug' });
    }
    await expect(caller.sendRequest('exits')).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: expect.stringContaining('exit') });
    // long enough for the exited worker's replacement to start on a loaded machine: past it, the
    // call would not have started at all (another error, tested apart)
    // (it may wait a moment for that worker: the message then says so, before "its worker was stopped")
    await expect(caller.sendRequest('spins')).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      message: expect.stringMatching(/^Pooled action "spins" ran past its timeout of 2000 ms.*; its worker was stopped\./),
    });
    // the error's code crosses from the worker (a copy of an Error by itself would drop it)
    await expect(caller.sendRequest('missing')).rejects.toMatchObject({
      message: expect.stringContaining('has no function export "notAFunction": that export is a value of type number;'),
      details: expect.objectContaining({ remoteCode: 'THREAD_LOAD_FAILED' }),
    });
    // a thread module registered as a pooled handler: its default export is there, of the other kind
    await expect(caller.sendRequest('thread')).rejects.toMatchObject({
      message: expect.stringContaining('exports "default" as a thread definition (made with defineThread()), not a handler'),
      details: expect.objectContaining({ remoteCode: 'THREAD_LOAD_FAILED' }),
    });
    await expect(caller.sendRequest('fib', { n: 10 })).resolves.toMatchObject({ fib: 55 });
  });

  it('log a thrown string as an ordinary action does: with no stack, rather than the library frames that rebuilt it', async () => {
    await startWith((a) => a.action('text', { module: pooled, export: 'throwsText' }));
    await expect(caller.sendRequest('text')).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: 'out of stock' });
    const line = t.records.find((r) => r.action === 'text' && r.level === 'warn');
    expect(line).toMatchObject({ message: 'Action "text" failed: out of stock', error: { message: 'out of stock' } });
    expect((line?.error as { stack?: unknown }).stack).toBeUndefined();
  });

  it('reply as ordinary actions do with a value that holds functions; refuse one nested past the limit; keep a DOMException message', async () => {
    await startWith((a) =>
      a
        .action('awkward', { module: pooled, export: 'awkward' })
        .action('aborts', { module: pooled, export: 'aborts' })
        .action('plainAwkward', () => ({ a: 1, f: () => 1, list: [1, () => 2] })),
    );
    const ordinary = await caller.sendRequest('plainAwkward');
    expect(ordinary).toEqual({ a: 1, list: [1, null] });
    await expect(caller.sendRequest('awkward', { kind: 'functions' })).resolves.toEqual(ordinary);
    await expect(caller.sendRequest('awkward', { levels: 1000 })).resolves.toMatchObject({ o: { o: {} } });
    // deeper than the main thread can read back: an error now, not a call that never answers
    await expect(caller.sendRequest('awkward', { levels: 3000 })).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      message: expect.stringContaining('the pooled reply: the value is nested 3000 levels deep'),
      details: expect.objectContaining({ remoteCode: 'NOT_CLONEABLE' }),
    });
    await expect(caller.sendRequest('aborts')).rejects.toMatchObject({ code: 'REMOTE_ERROR', message: 'the wait timed out' });
  });

  it("reply with what a value's toJSON() says (a Buffer, a class's instance), as an ordinary action does", async () => {
    class Money {
      constructor(readonly cents: number) {}
      toJSON(): string {
        return `${(this.cents / 100).toFixed(2)} EUR`;
      }
    }
    const value = (big: boolean): Record<string, unknown> => ({
      buf: Buffer.from('hi'),
      price: new Money(250),
      at: new Date(0),
      list: [{ buf: Buffer.from('x') }, new Money(1)],
      ...(big ? { big: 1n } : {}),
    });
    await startWith((a) =>
      a.action('pooled', { module: pooled, export: 'jsonish' }).action('plain', (payload) => value(payload.big === true)),
    );
    const ordinary = await caller.sendRequest('plain');
    expect(ordinary).toEqual({
      buf: { type: 'Buffer', data: [104, 105] },
      price: '2.50 EUR',
      at: '1970-01-01T00:00:00.000Z',
      list: [{ buf: { type: 'Buffer', data: [120] } }, '0.01 EUR'],
    });
    await expect(caller.sendRequest('pooled')).resolves.toEqual(ordinary);
    // what JSON refuses is refused as for an ordinary action
    const refused = { code: 'REMOTE_ERROR', details: expect.objectContaining({ remoteCode: 'BAD_RESPONSE' }) };
    await expect(caller.sendRequest('plain', { big: true })).rejects.toMatchObject(refused);
    await expect(caller.sendRequest('pooled', { big: true })).rejects.toMatchObject(refused);
  });

  it('answer BAD_RESPONSE for a function or a symbol returned, as an ordinary action (before: {} as a success)', async () => {
    await startWith((a) => a.action('odd', { module: pooled, export: 'nothingJson' }));
    for (const kind of ['function', 'symbol']) {
      await expect(caller.sendRequest('odd', { kind })).rejects.toMatchObject({
        details: expect.objectContaining({ remoteCode: 'BAD_RESPONSE' }),
        message: expect.stringContaining(`a ${kind} is not JSON data`),
      });
    }
  });

  it('stream progress as an ordinary action does: clamped, data wrapped, a percentage not a number refused', async () => {
    await startWith((a) =>
      a.action('pooled', { module: pooled, export: 'progresses' }).action('plain', () => {
        void response.progress(150, { stage: 'over' });
        void response.progress(-5, { stage: 'under' });
        void response.progress(30, 'text');
        void response.progress(40, new Date(0));
        void response.progress(50, new Map([[1, 2]]));
        try {
          void response.progress({ stage: 'python order' } as never, 50);
        } catch (err) {
          return { refused: (err as DaebusError).code };
        }
        return { refused: null };
      }),
    );
    const expected = [
      { stage: 'over', progress_percentage: 100 },
      { stage: 'under', progress_percentage: 0 },
      { data: 'text', progress_percentage: 30 },
      // as JSON sends them: before, the Date and the Map were spread into nothing
      { data: '1970-01-01T00:00:00.000Z', progress_percentage: 40 },
      { data: {}, progress_percentage: 50 },
    ];
    for (const action of ['plain', 'pooled']) {
      const updates: unknown[] = [];
      // before, the pooled one sent 150, -5 and the string's characters as keys; both sent the refused one as 0
      await expect(caller.sendRequest(action, {}, { onProgress: (p) => updates.push(p) })).resolves.toEqual({
        refused: 'INVALID_ARGUMENT',
      });
      expect(updates).toEqual(expected);
    }
  });

  it('stream updates as JSON says too: a toJSON() is followed, a function left out', async () => {
    await startWith((a) => a.action('updates', { module: pooled, export: 'jsonishUpdates' }));
    const updates: unknown[] = [];
    await expect(caller.sendRequest('updates', {}, { onProgress: (p) => updates.push(p) })).resolves.toBe('done');
    // before, structured clone sent the Buffer as its bytes and the instance without what toJSON()
    // says, and the function failed the call (DataCloneError)
    expect(updates).toEqual([
      { buf: { type: 'Buffer', data: [104, 105] }, price: '2.50 EUR' },
      { at: '1970-01-01T00:00:00.000Z', price: '0.01 EUR', progress_percentage: 50 },
    ]);
  });

  it("log an error a call's leftover timer throws after the call ended, against that call, and fail no other call for it", async () => {
    t.remake({ maxWorkers: 1 });
    await startWith((a) =>
      a
        .action('leaves', { module: pooled, export: 'leavesTimer' })
        .action('own', { module: pooled, export: 'ownTimerThrows' })
        .action('waits', { module: pooled, export: 'waits' }),
    );
    for (const rejects of [false, true]) {
      const tag = rejects ? 'r' : 't';
      await expect(caller.sendRequest('leaves', { tag, rejects })).resolves.toEqual({ left: tag });
      // the next call on the one worker is not failed by it, whether it fires before or during it
      await expect(caller.sendRequest('waits', { ms: 50 })).resolves.toEqual({ waited: 50 });
      const stray = (): LogRecord | undefined => t.records.find((r) => r.level === 'error' && r.message.includes(`left by call ${tag}`));
      await waitFor(() => stray() !== undefined, 'the leftover error to be logged');
      expect(stray()).toMatchObject({
        message: expect.stringContaining('Uncaught error in pooled action "leaves" after its call had ended'),
        action: 'leaves',
        export: 'leavesTimer',
        module: expect.stringContaining('pooled.mjs'),
      });
    }
    // a timer of the running call's own still fails that call (and its worker is replaced)
    await expect(caller.sendRequest('own')).rejects.toMatchObject({ message: "the call's own timer threw" });
    await expect(caller.sendRequest('waits', { ms: 1 })).resolves.toEqual({ waited: 1 });
  });

  it('refuse the shared-state call of work a call left running, log its late records, and drop its late update with a warning (before: the call never settled, and the records were lost)', async () => {
    await startWith((a) => a.action('leaves_work', { module: pooled, export: 'leavesWork' }));
    await expect(caller.sendRequest('leaves_work', { tag: 'w1' })).resolves.toEqual({ left: 'w1' });
    await waitFor(() => t.records.some((r) => r.message.startsWith('late set refused')), 'the late work to end');
    expect(t.records).toContainEqual(expect.objectContaining({ message: 'late log', tag: 'w1' }));
    expect(t.records.find((r) => r.message.startsWith('late set refused'))).toMatchObject({
      message: 'late set refused: INVALID_STATE',
      reason: expect.stringMatching(
        /^Pooled action "leaves_work" \(request [^)]+\) had ended when its code called the main side[^]*Await such work before the handler returns\.$/,
      ),
    });
    await waitFor(() => t.records.some((r) => /sent an update after it had ended: dropped/.test(r.message)), 'the dropped update warning');
    await expect(t.app.map('late').has('k')).resolves.toBe(false);
  });

  it('log the error a leftover timer or promise throws while its worker is idle, with no other call after it (before: only once a next call came)', async () => {
    t.remake({ maxWorkers: 1 });
    await startWith((a) => a.action('leaves', { module: pooled, export: 'leavesTimer' }));
    for (const rejects of [false, true]) {
      const tag = rejects ? 'idle_r' : 'idle_t';
      await expect(caller.sendRequest('leaves', { tag, rejects })).resolves.toEqual({ left: tag });
      await waitFor(
        () => t.records.some((r) => r.level === 'error' && r.message.includes(`left by call ${tag}`)),
        'the leftover error to be logged with the worker idle',
      );
    }
  });

  it("fail the running call at once when a callback of a module's own resource throws during it", async () => {
    t.remake({ maxWorkers: 1 });
    await startWith((a) =>
      a.action('driver', { module: pooled, export: 'viaDriver', timeoutMs: 600_000 }).action('waits', { module: pooled, export: 'waits' }),
    );
    // it waits on the resource for ever: without the error it would wait out its whole timeout
    await expect(caller.sendRequest('driver')).rejects.toMatchObject({ message: 'the driver callback threw' });
    await expect(caller.sendRequest('waits', { ms: 1 })).resolves.toEqual({ waited: 1 });
  });

  it('start queued calls in the order they came (before: piscina put each it could not hand out at the back of its queue)', async () => {
    t.remake({ maxWorkers: 1 });
    await startWith((a) => a.action('stamped', { module: pooled, export: 'stamped' }));
    await caller.sendRequest('stamped', { i: -1, ms: 0 });
    const calls = 20;
    const answers = (await Promise.all(Array.from({ length: calls }, (_, i) => caller.sendRequest('stamped', { i, ms: 5 })))) as {
      i: number;
      start: number;
    }[];
    const started = answers.sort((a, b) => a.start - b.start || a.i - b.i).map((answer) => answer.i);
    expect(started).toEqual(Array.from({ length: calls }, (_, i) => i));
  });

  it('answer a call that waited for a busy pool past its timeout at once, and never run it', async () => {
    await startWith((a) =>
      a
        .action('busy', { module: pooled, export: 'busy' })
        .action('marks', { module: pooled, export: 'marks', timeoutMs: 200 })
        .action('fib', { module: pooled }),
    );
    const mark = join(mkdtempSync(join(tmpdir(), 'daebus-pool-')), 'ran');
    const finished: string[] = [];
    let started = 0;
    const heavy = [1, 2].map((i) =>
      caller.sendRequest('busy', { ms: 1_500 }, { onProgress: () => (started += 1) }).then(() => finished.push(`busy ${i}`)),
    );
    await waitFor(() => started === 2, 'both workers to be busy');
    const dropped = caller.sendRequest('marks', { path: mark }).catch((err: unknown) => {
      finished.push('marks');
      return err;
    });
    expect(await dropped).toMatchObject({
      code: 'REMOTE_ERROR',
      message:
        'Pooled action "marks" did not start within its timeout of 200 ms: every worker of the pool was busy. It was dropped; raise maxWorkers or the action\'s timeoutMs.',
    });
    await Promise.all(heavy);
    expect(finished[0]).toBe('marks');
    // calls queued after it have run on both workers: the dropped call reached one before them, and was skipped
    await Promise.all([1, 2, 3, 4].map(() => caller.sendRequest('fib', { n: 5 })));
    expect(existsSync(mark)).toBe(false);
  });

  it('say how long a call past its timeout waited for a free worker before it ran', async () => {
    t.remake({ maxWorkers: 1 });
    await startWith((a) =>
      a.action('busy', { module: pooled, export: 'busy' }).action('spins', { module: pooled, export: 'spins', timeoutMs: 3_000 }),
    );
    let started = false;
    const busy = caller.sendRequest('busy', { ms: 1_000 }, { onProgress: () => (started = true) });
    await waitFor(() => started, 'the only worker to be busy');
    // queued behind it for about a second, then runs past its timeout
    await expect(caller.sendRequest('spins')).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      message: expect.stringMatching(
        /^Pooled action "spins" ran past its timeout of 3000 ms, of which it waited about \d+ ms for a free worker \(every worker of the pool was busy\) and ran about \d+ ms; its worker was stopped\./,
      ),
    });
    await busy;
  });

  it("count a call's timeout from its request's arrival, its wait for a slot of its action included: past it, it never runs", async () => {
    t.remake({ maxWorkers: 1 });
    await startWith((a) => a.action('one', { module: pooled, export: 'waitsOrMarks', timeoutMs: 500 }, { concurrency: 1 }));
    const mark = join(mkdtempSync(join(tmpdir(), 'daebus-pool-')), 'ran');
    // the first holds the action's only slot past its timeout; the second waits for that slot meanwhile
    const holds = caller.sendRequest('one', { ms: 10_000 }).catch((err: unknown) => err);
    const queued = caller.sendRequest('one', { path: mark }).catch((err: unknown) => err);
    expect(await holds).toMatchObject({ code: 'REMOTE_ERROR', message: expect.stringContaining('ran past its timeout of 500 ms') });
    // before: the pool gave it a timeout of its own as it came from the queue, and it ran (the mark written, a reply after 500 ms)
    expect(await queued).toMatchObject({
      code: 'REMOTE_ERROR',
      details: { remoteCode: 'TIMEOUT' },
      message: expect.stringMatching(
        /^Pooled action "one" did not start within its timeout of 500 ms: it waited (about )?\d+ ms for a slot of the action/,
      ),
    });
    await caller.sendRequest('one', { ms: 1 });
    expect(existsSync(mark)).toBe(false);
  });

  it('stop the worker of a call past its timeout after many workers were replaced', async () => {
    t.remake({ maxWorkers: 1 });
    await startWith((a) =>
      a
        .action('exits', { module: pooled, export: 'exits' })
        .action('spins', { module: pooled, export: 'spins', timeoutMs: 2_000 })
        .action('fib', { module: pooled }),
    );
    // more workers ended than the pool's table of running calls has slots for one worker
    for (let i = 0; i < 12; i++) await expect(caller.sendRequest('exits')).rejects.toMatchObject({ code: 'REMOTE_ERROR' });
    await expect(caller.sendRequest('spins')).rejects.toMatchObject({
      message: expect.stringMatching(/^Pooled action "spins" ran past its timeout of 2000 ms.*; its worker was stopped\./),
    });
    // the only worker, spinning, was stopped and replaced: the next call runs
    await expect(caller.sendRequest('fib', { n: 10 })).resolves.toMatchObject({ fib: 55 });
  });

  // Before, each sweep (every 25 ms) terminated it again, each terminate() adding an exit listener:
  // a worker that took a while to exit drew MaxListenersExceededWarning, "possible memory leak".
  it('stop the worker of a call past its timeout once, however long it takes to exit', async () => {
    const terminate = jest.spyOn(Worker.prototype, 'terminate');
    try {
      await startWith((a) => a.action('sleeps', { module: pooled, export: 'sleepsInSyscall', timeoutMs: 300 }));
      await expect(caller.sendRequest('sleeps', { ms: 1_500 })).rejects.toMatchObject({
        message: expect.stringMatching(/^Pooled action "sleeps" ran past its timeout of 300 ms/),
      });
      // the worker exits once its system call returns, the sweeps meeting it meanwhile
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      // once by the pool's sweep, and once by piscina itself as it removes the worker that exited (before: 52 times)
      expect(terminate.mock.calls.length).toBeLessThanOrEqual(2);
    } finally {
      terminate.mockRestore();
    }
  });

  it('keep the main loop answering while pooled handlers compute', async () => {
    await startWith((a) => a.action('busy', { module: pooled, export: 'busy' }).action('cheap', () => ({ cheap: true })));
    const finished: string[] = [];
    let started = 0;
    const heavy = [1, 2].map((i) =>
      caller.sendRequest('busy', { ms: 1_500 }, { onProgress: () => (started += 1) }).then(() => finished.push(`busy ${i}`)),
    );
    // both pooled handlers run now: both workers are busy
    await waitFor(() => started === 2, 'both pooled handlers to start');
    await caller.sendRequest('cheap').then(() => finished.push('cheap'));
    await Promise.all(heavy);
    expect(finished[0]).toBe('cheap');
  });

  it('reach the shared maps and lists over their port', async () => {
    await startWith((a) => a.action('state', { module: pooled, export: 'usesState' }));
    await Promise.all(['a', 'b', 'c'].map((tag) => caller.sendRequest('state', { tag })));
    expect(await t.app.map('pooled').get('calls')).toBe(3);
    expect((await t.app.list('pooled_log', { max: 10 }).snapshot()).sort()).toEqual(['a', 'b', 'c']);
    expect(t.records.filter((r) => r.message === 'pooled handler used shared state')).toHaveLength(3);
  });

  it('take and put queue items; what they took stays taken once the call ended', async () => {
    await startWith((a) => a.action('queue', { module: pooled, export: 'usesQueue' }));
    const jobs = t.app.queue<number>('jobs');
    for (const n of [1, 2, 3, 4]) await jobs.put(n);
    await expect(caller.sendRequest('queue', { take: 3 })).resolves.toEqual({ took: [1, 2, 3] });
    // the call confirmed each item it received: none went back to the queue when it ended
    expect(await jobs.snapshot()).toEqual([4]);
    expect(await t.app.queue('done').snapshot()).toEqual([2, 4, 6]);
    // an item put while the call waits for its second one reaches it
    const waiting = caller.sendRequest('queue', { take: 2 });
    await waitFor(async () => (await jobs.size()) === 0, 'the call to take item 4');
    await jobs.put(5);
    await expect(waiting).resolves.toEqual({ took: [4, 5] });
    expect(await t.app.queue('done').snapshot()).toEqual([2, 4, 6, 8, 10]);
  });

  it('are cancelled with an error reply when the service stops before they finish', async () => {
    await startWith((a) => a.action('waits', { module: pooled, export: 'waits' }), { drainTimeoutMs: 100 });
    let started = false;
    const outcome = caller.sendRequest('waits', { ms: 10_000 }, { onProgress: () => (started = true) }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await waitFor(() => started, 'the pooled handler to start');
    await t.app.stop();
    expect(await outcome).toMatchObject({
      code: 'REMOTE_ERROR',
      message: expect.stringContaining('stopped before this pooled action finished'),
    });
    // the stop's own line says it gave up on the call; no warning with a stack per cancelled call
    expect(t.records).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^Gave up on 1 request.*: waits/) }),
    );
    expect(t.records.filter((r) => r.level === 'warn' && r.message.includes('"waits" failed'))).toEqual([]);
  });

  it('run no call once a stop gave up on them: those waiting for a slot are refused (before: run after the stop, by a pool made again)', async () => {
    await startWith((a) => a.action('holds', { module: pooled, export: 'logsAndWaits' }, { concurrency: 2 }), { drainTimeoutMs: 100 });
    const outcomes = Array.from({ length: 8 }, (_, tag) =>
      caller.sendRequest('holds', { tag, ms: 10_000 }).then(
        () => 'answered',
        (err: DaebusError) => err.message,
      ),
    );
    const ran = (): number => t.records.filter((r) => /^pooled call \d+ ran$/.test(r.message)).length;
    await waitFor(() => ran() === 2, 'two calls to run');
    await t.app.stop();
    for (const outcome of await Promise.all(outcomes)) expect(outcome).toMatch(/stopped before this (pooled )?action finished/);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(ran()).toBe(2);
  });

  it('route directLogger in a pooled handler to the app logger, with the call', async () => {
    await startWith((a) => a.action('logs', { module: pooled, export: 'logsDirect' }));
    // twice: each call's logs carry that call
    await caller.sendRequest('logs', { tag: 'x1' });
    await caller.sendRequest('logs', { tag: 'x2' });
    for (const tag of ['x1', 'x2']) {
      expect(t.records).toContainEqual(expect.objectContaining({ message: 'logged with directLogger from a pooled handler', tag }));
    }
  });

  it('are checked at registration', () => {
    const a = new Daebus('pool-registration', { logger: captureLogger().logger });
    expect(() => a.action('x', { module: fixture('nope.mjs') })).toThrow(/Action "x": module .*nope\.mjs does not exist/);
    expect(() => a.action('x', { module: pooled, timeoutMs: 0 })).toThrow(/timeoutMs must be a number of milliseconds > 0/);
    expect(() => a.action('x', { module: pooled, retries: 3 } as never)).toThrow(/unknown option "retries"/);
    expect(() => new Daebus('p', { maxWorkers: 0 })).toThrow(/options.maxWorkers must be a whole number >= 1/);
    // before: 1e8 took seconds and gigabytes at start, 1e9 failed it with a RangeError that had no code
    expect(() => new Daebus('p', { maxWorkers: 1e9 })).toThrow(
      /options.maxWorkers must be at most 1024 \(threads, each with its own heap\) \(got 1000000000\)/,
    );
    expect(new Daebus('p', { maxWorkers: 1024, logger: captureLogger().logger }).name).toBe('p');
  });
});
