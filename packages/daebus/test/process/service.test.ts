// A service run as a child process, as it runs in production: signals and exit codes.
import { randomUUID } from 'node:crypto';
import { DaebusCaller } from 'daebus';
import { result, runService } from '../support/run-service';
import { TEST_REDIS_URL } from '../support/redis-server';

describe('a service process', () => {
  it('exits 0 on SIGTERM with every thread stopped cleanly (none terminated)', async () => {
    const outcome = await runService('clean', (child) => child.kill('SIGTERM'));
    expect(outcome.code).toBe(0);
    const { code, threads } = result(outcome);
    expect(code).toBe(0);
    expect(Object.keys(threads).sort()).toEqual(['blocked', 'cpu', 'sleeper']);
    for (const snapshot of Object.values(threads)) {
      expect(snapshot).toMatchObject({ state: 'stopped', lastExit: { reason: 'stopped', terminated: false } });
    }
    expect(outcome.lines.some((l) => String(l.message).includes('Received SIGTERM'))).toBe(true);
  });

  it('logs errors that escape user code and goes on; still exits 0 on SIGTERM', async () => {
    const outcome = await runService('escapes', (child) => setTimeout(() => child.kill('SIGTERM'), 300));
    expect(outcome.code).toBe(0);
    const messages = outcome.lines.map((l) => String(l.message));
    expect(messages).toContain('Uncaught exception (the service goes on): late bug');
    expect(messages).toContain('Unhandled promise rejection (the service goes on): nobody awaited this');
    // one an action left behind names it, and its request (before: neither)
    expect(outcome.lines).toContainEqual(
      expect.objectContaining({
        message: 'Uncaught exception (the service goes on): bug left by an action',
        action: 'leaves_bug',
        request_id: expect.any(String),
      }),
    );
    expect(result(outcome).threads.sleeper).toMatchObject({ state: 'stopped', lastExit: { terminated: false } });
  });

  it('writes a flood of escaped errors as ten lines a second and a count, none lost', async () => {
    const THROWN = 500; // as the fixture's scenario throws
    const outcome = await runService('escape-flood', undefined, {
      onLine: (line, child) => {
        if (line.thrown === THROWN) child.kill('SIGTERM');
      },
    });
    expect(outcome.code).toBe(0);
    const full = outcome.lines.filter((l) => /^Uncaught exception \(the service goes on\): bug \d+$/.test(String(l.message)));
    const counted = outcome.lines.filter((l) => String(l.message).startsWith('Uncaught exception: '));
    expect(full.length).toBeGreaterThan(0);
    expect(counted.length).toBeGreaterThan(0);
    expect(String(counted.at(-1)?.message)).toMatch(/more in the last 1 s, not logged each \(the service goes on\); the last: bug 500$/);
    // every throw is either a line of its own or counted in one
    expect(full.length + counted.reduce((sum, l) => sum + Number(l.count), 0)).toBe(THROWN);
    // a count, not a time: ten lines a second in full, and the throws take well under ten seconds
    expect(full.length).toBeLessThan(THROWN / 5);
  });

  it('exits 0 on SIGINT too', async () => {
    const outcome = await runService('clean', (child) => child.kill('SIGINT'));
    expect(outcome.code).toBe(0);
  });

  it('stops on SIGINT while a thread logs in a tight loop, its memory bounded', async () => {
    let guard: NodeJS.Timeout | undefined;
    const outcome = await runService('log-flood', (child) => {
      // before, the records flooded the main thread (GBs in seconds) and it never heard the signal
      setTimeout(() => child.kill('SIGINT'), 2_000);
      guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    });
    clearTimeout(guard);
    expect(outcome.code).toBe(0);
    expect(result(outcome).threads.chatty).toMatchObject({ state: 'stopped', lastExit: { terminated: false } });
  });

  it('takes a signal within a few ms of the first as the same stop (as `timeout` sends it), and stops cleanly', async () => {
    // two kinds: the kernel would merge a second SIGINT still pending with the first
    const outcome = await runService('clean', (child) => {
      child.kill('SIGINT');
      child.kill('SIGTERM');
    });
    expect(outcome.code).toBe(0);
    expect(outcome.lines.some((l) => String(l.message).includes('forcing the stop'))).toBe(false);
  });

  it('forces the stop on a second signal: a thread that ignores the stop is terminated at once', async () => {
    // shutdownTimeoutMs is ten minutes: only the second signal can end this within the test's time.
    const outcome = await runService('stubborn', (child) => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGTERM'), 200);
    });
    expect(outcome.code).toBe(1);
    expect(result(outcome).threads.stubborn).toMatchObject({ state: 'stopped', lastExit: { terminated: true } });
    expect(outcome.lines.map((l) => String(l.message))).toContain('Received SIGTERM again: forcing the stop; the process ends within 2 s');
    // the last word names what the forced stop cut off (before: nothing after "forcing the stop")
    expect(outcome.lines.map((l) => String(l.message))).toContainEqual('Forced stop: gave up on thread "stubborn" (terminated)');
    expect(outcome.lines.map((l) => String(l.message))).not.toContainEqual(expect.stringMatching(/every action finished/));
  });

  it('on SIGTERM over Redis, stops taking requests but lets a running handler reply, then exits 0', async () => {
    const service = `drain_${randomUUID()}`;
    const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 10_000 });
    let reply: Promise<unknown> | undefined;
    try {
      const outcome = await runService(
        'drain',
        () => {
          reply = caller.sendRequest('slow');
        },
        {
          args: [service],
          env: { REDIS_URL: TEST_REDIS_URL },
          onLine: (line, child) => {
            if (line.handling === true) child.kill('SIGTERM');
          },
        },
      );
      expect(outcome.code).toBe(0);
      await expect(reply).resolves.toEqual({ finished: true });
      expect(result(outcome).threads.sleeper).toMatchObject({ state: 'stopped', lastExit: { terminated: false } });
      expect(outcome.lines.some((l) => String(l.message).includes('listening on redis://'))).toBe(true);
    } finally {
      await caller.close();
    }
  });

  it('answers handlers still running after drainTimeoutMs with STOPPED, says which, drops their late replies, and exits 1', async () => {
    const service = `hang_${randomUUID()}`;
    const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
    const replies: Promise<unknown>[] = [];
    const handling = new Set<unknown>();
    try {
      const outcome = await runService(
        'hang',
        () => {
          replies.push(caller.sendRequest('forever').catch((e: unknown) => e));
          replies.push(caller.sendRequest('late').catch((e: unknown) => e));
        },
        {
          args: [service],
          env: { REDIS_URL: TEST_REDIS_URL, DRAIN_MS: '500' },
          onLine: (line, child) => {
            if (line.handling !== undefined) handling.add(line.handling);
            if (handling.size === 2 && line.handling !== undefined) child.kill('SIGTERM');
          },
        },
      );
      expect(outcome.code).toBe(1);
      for (const reply of await Promise.all(replies)) {
        expect(reply).toMatchObject({
          code: 'REMOTE_ERROR',
          details: { remoteCode: 'STOPPED' },
          message: expect.stringContaining('drain timeout of 500 ms'),
        });
      }
      const messages = outcome.lines.map((l) => String(l.message));
      expect(messages).toContainEqual(expect.stringMatching(/^Waiting up to 500 ms for 2 requests: forever, late/));
      expect(messages).toContainEqual(expect.stringMatching(/^Gave up on 2 requests: forever, late after 500 ms/));
      expect(messages).toContainEqual(expect.stringMatching(/stopped; abandoned action\(s\): forever, late/));
      // the late reply is dropped without a word: the last line names the actions given up on (a
      // warning per handler, blaming it, made 43 lines at one forced stop)
      expect(messages.filter((m) => m.includes('was dropped'))).toHaveLength(0);
      expect(outcome.lines.some((l) => 'stderr' in l)).toBe(false);
    } finally {
      await caller.close();
    }
  });

  it('names both signals when the second is another kind, and the task runs the forced stop leaves (before: "Received SIGTERM again"; no task named)', async () => {
    let signalled = false;
    const outcome = await runService('stubborn-task', () => undefined, {
      onLine: (line, child) => {
        if (line.taskRunning !== true || signalled) return;
        signalled = true;
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGTERM'), 200);
      },
    });
    expect(outcome.code).toBe(1);
    const said = outcome.lines.map((l) => String(l.message));
    expect(said).toContain('Received SIGTERM after SIGINT: forcing the stop; the process ends within 2 s');
    expect(said).toContain('Forced stop: gave up on background task "endless", thread "stubborn" (terminated)');
  });

  it('ends the process on a second signal whatever handlers and threads do, answering what ran with STOPPED', async () => {
    const service = `hang_${randomUUID()}`;
    const caller = new DaebusCaller(service, { redis: TEST_REDIS_URL, timeoutMs: 20_000 });
    let reply: Promise<unknown> | undefined;
    try {
      const outcome = await runService(
        'hang',
        () => {
          reply = caller.sendRequest('forever').catch((e: unknown) => e);
        },
        {
          args: [service],
          env: { REDIS_URL: TEST_REDIS_URL, DRAIN_MS: '600000' },
          onLine: (line, child) => {
            if (line.handling === 'forever') child.kill('SIGTERM');
            // past the window in which a repeat counts as the same signal delivered twice
            if (String(line.message).startsWith('Waiting up to 600 s')) setTimeout(() => child.kill('SIGTERM'), 150);
          },
        },
      );
      expect(outcome.code).toBe(1);
      expect(await reply).toMatchObject({
        code: 'REMOTE_ERROR',
        details: { remoteCode: 'STOPPED' },
        message: expect.stringContaining('forced to stop'),
      });
      // the threads still ran (they stop after the drain): terminated, and named too
      expect(outcome.lines.map((l) => String(l.message))).toContainEqual('Forced stop: gave up on forever, thread "sleeper" (terminated)');
      // the first stop's own last line, when it comes before the exit, says so too (before: "every action finished")
      expect(outcome.lines.map((l) => String(l.message))).not.toContainEqual(expect.stringMatching(/every action finished/));
    } finally {
      await caller.close();
    }
  });

  it("exits 1 when a thread with onFailure: 'exit' fails, after stopping the others", async () => {
    const outcome = await runService('fail-exit');
    expect(outcome.code).toBe(1);
    const { threads } = result(outcome);
    expect(threads.crashy?.state).toBe('failed');
    expect(threads.sleeper).toMatchObject({ state: 'stopped', lastExit: { reason: 'stopped', terminated: false } });
  });
});
