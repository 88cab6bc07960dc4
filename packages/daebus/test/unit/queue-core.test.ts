// Queue waits and their timeouts (main/state/queue-core.ts): every queue's waits share one timer.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { DeadlineTimer } from '../../src/shared/deadline-timer';
import { QueueCore, type QueueReceiver } from '../../src/main/state/queue-core';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function receiver(log: string[], tag: string): QueueReceiver {
  return {
    alive: () => true,
    deliver: (item) => {
      log.push(`${tag} got ${String(item)}`);
      return true;
    },
    timedOut: () => log.push(`${tag} timed out`),
  };
}

describe('QueueCore waits', () => {
  it('end with no item at their timeouts, in deadline order across queues; a wait that got an item never times out', async () => {
    const deadlines = new DeadlineTimer();
    const jobs = new QueueCore('jobs', deadlines);
    const mail = new QueueCore('mail', deadlines);
    const log: string[] = [];
    jobs.take(60, receiver(log, 'jobs/60'));
    mail.take(20, receiver(log, 'mail/20'));
    jobs.take(20, receiver(log, 'jobs/20'));
    const cancel = mail.take(40, receiver(log, 'mail/40'));
    jobs.put('a'); // the longest-waiting wait of jobs (60 ms) takes it
    cancel(); // a cancelled wait ends at once, not again at its deadline
    await sleep(150);
    expect(log).toEqual(['jobs/60 got a', 'mail/40 timed out', 'mail/20 timed out', 'jobs/20 timed out']);
    // the waits are gone: an item now stays queued
    jobs.put('b');
    expect(jobs.size).toBe(1);
  });

  it('lets the process exit once a wait with a long timeout got its item', async () => {
    // the module as built: a child process has no TypeScript transform
    const built = JSON.stringify(join(__dirname, '..', '..', 'dist', 'main', 'state', 'store.js'));
    const script =
      `const { StateStore } = require(${built}); const store = new StateStore();` +
      `const got = store.execLocal({ kind: 'queue', name: 'q', op: 'get', timeoutMs: 600000 });` +
      `store.execLocal({ kind: 'queue', name: 'q', op: 'put', item: 'x' }); got.then((item) => console.log(item));`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    expect(out).toBe('x\n');
  });

  it('ends the waits picked, in the order they started, and leaves the others waiting', async () => {
    const jobs = new QueueCore('jobs', new DeadlineTimer());
    const log: string[] = [];
    const local = [receiver(log, 'local 1'), receiver(log, 'local 2')];
    jobs.take(Infinity, local[0] as QueueReceiver);
    jobs.take(30, receiver(log, 'thread'));
    jobs.take(30, local[1] as QueueReceiver);
    jobs.endWaits((r) => local.includes(r));
    expect(log).toEqual(['local 1 timed out', 'local 2 timed out']);
    jobs.put('a');
    await sleep(80); // an ended wait's deadline does not fire later
    expect(log).toEqual(['local 1 timed out', 'local 2 timed out', 'thread got a']);
  });

  it("lets the process exit when the store ends the main side's waits", async () => {
    const built = JSON.stringify(join(__dirname, '..', '..', 'dist', 'main', 'state', 'store.js'));
    const script =
      `const { StateStore } = require(${built}); const store = new StateStore();` +
      `const got = store.execLocal({ kind: 'queue', name: 'q', op: 'get', timeoutMs: 600000 });` +
      `store.stopped(); got.then((item) => console.log(String(item)));`;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['-e', script], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    expect(out).toBe('undefined\n');
  });

  describe('an item whose getter runs as it is copied', () => {
    const json = (log: string[], tag: string): QueueReceiver => ({
      alive: () => true,
      deliver: (item) => {
        log.push(`${tag} got ${JSON.stringify(item)}`);
        return true;
      },
      timedOut: () => log.push(`${tag} timed out`),
    });

    it('is copied with its getters run once', () => {
      const jobs = new QueueCore('jobs');
      let reads = 0;
      jobs.put(
        {
          get x() {
            reads += 1;
            return 1;
          },
        },
        true,
      );
      // before, twice: a walk for its depth, then the copy
      expect(reads).toBe(1);
      expect(jobs.snapshot()).toEqual([{ x: 1 }]);
    });

    it('that puts another item hands each to a waiter in turn, losing neither and skipping no waiter', () => {
      for (const port of [false, true]) {
        const jobs = new QueueCore('jobs');
        const log: string[] = [];
        const waiter = (tag: string): QueueReceiver => {
          const receiver = json(log, tag);
          if (!port) return receiver;
          // a thread's wait: its port copies the item as it posts it
          return { ...receiver, copies: true, deliver: (item, n) => receiver.deliver(structuredClone(item), n) };
        };
        for (const tag of ['w1', 'w2', 'w3']) jobs.take(Infinity, waiter(tag));
        let once = true;
        const item = {
          get x() {
            if (once) {
              once = false;
              jobs.put('inner', true);
            }
            return 1;
          },
        };
        jobs.put(item, true);
        // before, w1 got both and w2's wait was dropped unanswered (for a local waiter)
        expect([port, log]).toEqual([port, ['w1 got "inner"', 'w2 got {"x":1}']]);
        jobs.put('next');
        expect(log.at(-1)).toBe('w3 got "next"');
      }
    });

    it('that throws is refused as NOT_CLONEABLE with its message, and nothing is queued', () => {
      const jobs = new QueueCore('jobs');
      const item = {
        get x(): number {
          throw new Error('no x today');
        },
      };
      expect(() => jobs.put(item, true)).toThrow(
        expect.objectContaining({ code: 'NOT_CLONEABLE', message: expect.stringContaining('no x today') }),
      );
      expect(jobs.size).toBe(0);
    });
  });
});
