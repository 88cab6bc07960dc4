// The `daebus` command against a service run as two replicas, each its own process: the verbs that
// show or change one process's state ask each live replica, and label each answer with it.
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { waitFor } from '../support/helpers';
import { TEST_REDIS_URL } from '../support/redis-server';
import { killAll, type Ran, startCli, startFixtureService } from '../support/cli-process';

jest.setTimeout(60_000);

interface Labelled {
  replica: { id: string; host: string; pid: number };
  reply?: Record<string, unknown>;
  error?: { code: string; message: string };
}

function daebus(args: string[]): Promise<Ran> {
  return startCli(args).done;
}

async function json(args: string[]): Promise<Labelled[]> {
  return JSON.parse((await daebus([...args, '--json'])).stdout) as Labelled[];
}

/** A replica of the CLI fixture; resolves with its pid once it has started. */
async function startReplica(name: string, env: NodeJS.ProcessEnv = {}): Promise<number> {
  return (await startFixtureService(name, TEST_REDIS_URL, children, { REPLICAS: '1', HEARTBEAT_MS: '2000', ...env })).pid as number;
}

const children: ChildProcess[] = [];
const service = `cli_rep_${randomUUID()}`;
/** The replica whose required thread fails for good (not ready), and the healthy one. */
let doomed: Labelled['replica'];
let healthy: Labelled['replica'];
const watches: ChildProcess[] = [];

beforeAll(async () => {
  // heartbeats every 2 s: a SIGSTOPped replica's presence outlives it by 6 s (three heartbeats), and
  // a CLI however slow to start on a loaded machine still finds it listed (in 600 ms, with 200, not always;
  // and a longer heartbeat for the doomed one alone let the other's heartbeat prune it from the set)
  const [healthyPid, doomedPid] = await Promise.all([startReplica(service), startReplica(service, { DOOMED_THREAD: '1' })]);
  let listed: Labelled[] = [];
  await waitFor(async () => {
    listed = await json(['health', service]);
    const failed = listed.find((r) => r.replica.pid === doomedPid)?.reply?.threads as { failed: string[] } | undefined;
    return listed.length === 2 && failed?.failed.includes('doomed') === true;
  }, 'both replicas listed, and the doomed thread failed');
  doomed = (listed.find((r) => r.replica.pid === doomedPid) as Labelled).replica;
  healthy = (listed.find((r) => r.replica.pid === healthyPid) as Labelled).replica;
});

afterEach(() => {
  for (const watch of watches.splice(0)) if (watch.exitCode === null) watch.kill('SIGKILL');
});

afterAll(async () => {
  await killAll(children);
});

/** The text of each replica's block, by pid: from its heading to the next heading. */
function blocks(stdout: string): Map<number, string> {
  const found = new Map<number, string>();
  for (const block of stdout.split(/^(?=replica [0-9a-f-]+ \(pid \d+ on )/m)) {
    const pid = /^replica \S+ \(pid (\d+)/.exec(block)?.[1];
    if (pid !== undefined) found.set(Number(pid), block);
  }
  return found;
}

describe('health', () => {
  it('shows each replica, labelled, and exits 1 while one of them is not ready', async () => {
    // the same answer every time: every replica is asked, not one of them at random
    for (let i = 0; i < 3; i++) {
      const ran = await daebus(['health', service]);
      expect(ran.code).toBe(1);
      const each = blocks(ran.stdout);
      expect([...each.keys()].sort()).toEqual([healthy.pid, doomed.pid].sort());
      expect(each.get(healthy.pid)).toContain(`replica ${healthy.id} (pid ${healthy.pid} on ${healthy.host})\nok, ready`);
      expect(each.get(doomed.pid)).toContain('failing, NOT ready');
      expect(each.get(doomed.pid)).toContain('failed threads: doomed');
    }
  });

  it('--replica asks that one only: exit 0 for the ready one, 1 for the other', async () => {
    const ran = await daebus(['health', service, '--replica', healthy.id]);
    expect(ran).toMatchObject({ code: 0, stderr: '' });
    expect([...blocks(ran.stdout).keys()]).toEqual([healthy.pid]);
    expect((await daebus(['health', service, '--replica', doomed.id])).code).toBe(1);
    // before the verb too, as --json; a verb that does not take it refuses it
    const before = await daebus(['--replica', healthy.id, 'health', service]);
    expect({ code: before.code, pids: [...blocks(before.stdout).keys()] }).toEqual({ code: 0, pids: [healthy.pid] });
    expect(await daebus(['ping', service, '--replica', healthy.id])).toMatchObject({
      code: 2,
      stderr: "daebus: unknown option '--replica' (add --help for usage)\n",
    });
  });

  it('ping names the replica that answered each ping (before: the service only)', async () => {
    const ran = await daebus(['ping', service, '-c', '4', '--interval', '0']);
    expect(ran.code).toBe(0);
    const answered = [...ran.stdout.matchAll(/^ping \d: reply from "[^"]+" \(replica ([0-9a-f-]+)\) in [\d.]+ ms$/gm)].map((m) => m[1]);
    expect(answered).toHaveLength(4);
    for (const id of answered) expect([healthy.id, doomed.id]).toContain(id);
  });

  it('--json lists { replica: { id, host, pid }, reply } per replica', async () => {
    const listed = await json(['health', service]);
    expect(listed).toHaveLength(2);
    for (const entry of listed) expect(Object.keys(entry).sort()).toEqual(['replica', 'reply']);
    const byId = new Map(listed.map((entry) => [entry.replica.id, entry.reply]));
    expect(byId.get(healthy.id)).toMatchObject({ ready: true });
    expect(byId.get(doomed.id)).toMatchObject({ ready: false });
  });

  it('a --replica that is not live: exit 3, saying so', async () => {
    const ran = await daebus(['health', service, '--replica', 'no-such-replica']);
    expect(ran.code).toBe(3);
    expect(ran.stderr).toContain('no live replica "no-such-replica"');
  });

  it('a replica that does not answer in time is named in its block, not its channel', async () => {
    process.kill(doomed.pid, 'SIGSTOP');
    try {
      const ran = await daebus(['health', service, '--timeout', '500']);
      expect(ran.code).toBe(3);
      expect(ran.stdout).toContain(`error TIMEOUT: Replica ${doomed.id} did not answer "daebus.health" within 500 ms.`);
      // before: Service "daebus:{...}:replica-actions:<id>" did not answer
      expect(ran.stdout).not.toContain('replica-actions');
    } finally {
      process.kill(doomed.pid, 'SIGCONT');
    }
  });
});

describe('threads, info and watch', () => {
  it("threads shows each replica's own threads", async () => {
    const each = blocks((await daebus(['threads', service])).stdout);
    expect(each.get(doomed.pid)).toMatch(/^doomed +failed/m);
    expect(each.get(healthy.pid)).toMatch(/^sleeper +running/m);
    expect(each.get(healthy.pid)).not.toContain('doomed');
  });

  it('info --json: each reply is from the replica it is labelled with', async () => {
    const listed = await json(['info', service]);
    expect(listed.map((entry) => [entry.replica.pid, entry.reply?.pid]).sort()).toEqual(
      [
        [healthy.pid, healthy.pid],
        [doomed.pid, doomed.pid],
      ].sort(),
    );
  });

  it('watch prints a block per replica, each from that replica alone', async () => {
    const watch = startCli(['watch', service, '--interval', '100']);
    watches.push(watch.child);
    await waitFor(() => (watch.out.stdout.match(/^--- \d{4}-/gm) ?? []).length >= 3, 'three looks');
    watch.child.kill('SIGINT');
    const ran = await watch.done;
    expect(ran.code).toBe(0);
    for (const look of ran.stdout.split(/^--- /m).slice(1, 3)) {
      const each = blocks(look);
      expect([...each.keys()].sort()).toEqual([healthy.pid, doomed.pid].sort());
      for (const [pid, block] of each) expect(block).toContain(`, pid ${pid} on `);
      expect(each.get(doomed.pid)).toMatch(/^health +failing, NOT ready/m);
      expect(each.get(doomed.pid)).toMatch(/^doomed +failed/m);
      expect(each.get(healthy.pid)).toMatch(/^health +ok, ready/m);
      expect(each.get(healthy.pid)).not.toContain('doomed');
    }
  });
});

describe('watch while a replica is stalled', () => {
  it('goes on showing the others, the stalled one as not answered yet; then says once that it left the live replicas', async () => {
    const watch = startCli(['watch', service, '--interval', '200', '--timeout', '4000']);
    watches.push(watch.child);
    await waitFor(() => (watch.out.stdout.match(/^--- \d{4}-/gm) ?? []).length >= 1, 'a first look');
    process.kill(doomed.pid, 'SIGSTOP');
    try {
      // before: no block at all for the --timeout of the stalled replica's look, then NOT ANSWERING
      const looks = (): string[] => watch.out.stdout.split(/^--- /m).slice(1);
      const stalledLook = (look: string): boolean =>
        /^NO ANSWER YET: no answer yet \(asked /m.test(blocks(look).get(doomed.pid) ?? '') &&
        /^health +ok, ready/m.test(blocks(look).get(healthy.pid) ?? '');
      await waitFor(() => looks().some(stalledLook), 'a look with the healthy replica fresh and the stalled one waited for');
      // its presence expires (three heartbeats of 2 s): its block says so, once, and it is not asked again
      await waitFor(
        () => looks().some((look) => /^GONE: left the live replicas/m.test(blocks(look).get(doomed.pid) ?? '')),
        'it left',
        20_000,
      );
      const gone = looks().filter((look) => /^GONE: /m.test(blocks(look).get(doomed.pid) ?? ''));
      expect(gone).toHaveLength(1);
      expect(gone[0]).not.toContain('still trying');
    } finally {
      process.kill(doomed.pid, 'SIGCONT');
    }
    watch.child.kill('SIGINT');
    expect((await watch.done).code).toBe(0);
    // it lists itself again as it beats: the tests after this one see both replicas
    await waitFor(async () => (await json(['health', service])).length === 2, 'the stalled replica listed again');
  });
});

describe('admin verbs', () => {
  const paused = async (): Promise<Map<number, boolean>> =>
    new Map(
      (await json(['info', service])).map((entry) => [
        entry.replica.pid,
        (entry.reply?.background as { name: string; paused: boolean }[]).find((task) => task.name === 'tick')?.paused ?? false,
      ]),
    );

  it('task pause and resume act on every replica, and print each one', async () => {
    const ran = await daebus(['task', 'pause', service, 'tick', '--token', 'let-me-in']);
    expect(ran.code).toBe(0);
    const each = blocks(ran.stdout);
    expect(each.size).toBe(2);
    for (const block of each.values()) expect(block).toContain('task "tick": paused');
    expect(await paused()).toEqual(
      new Map([
        [healthy.pid, true],
        [doomed.pid, true],
      ]),
    );
    expect((await daebus(['task', 'resume', service, 'tick', '--token', 'let-me-in'])).code).toBe(0);
    expect(await paused()).toEqual(
      new Map([
        [healthy.pid, false],
        [doomed.pid, false],
      ]),
    );
  });

  it('--replica acts on that replica only; --json labels its result', async () => {
    const listed = await json(['task', 'pause', service, 'tick', '--token', 'let-me-in', '--replica', doomed.id]);
    expect(listed).toEqual([{ replica: doomed, reply: expect.objectContaining({ name: 'tick', paused: true }) as unknown }]);
    expect(await paused()).toEqual(
      new Map([
        [healthy.pid, false],
        [doomed.pid, true],
      ]),
    );
    await daebus(['task', 'resume', service, 'tick', '--token', 'let-me-in', '--replica', doomed.id]);
  });

  it("exits 1 when it failed on any replica, showing each one's result", async () => {
    // only one replica has the thread "doomed"
    const ran = await daebus(['thread', 'start', service, 'doomed', '--token', 'let-me-in']);
    expect(ran.code).toBe(1);
    const each = blocks(ran.stdout);
    expect(each.get(healthy.pid)).toContain('error UNKNOWN_THREAD');
    expect(each.get(doomed.pid)).toMatch(/^doomed /m);
    const listed = await json(['thread', 'stop', service, 'doomed', '--token', 'let-me-in']);
    expect(listed.find((entry) => entry.replica.id === healthy.id)?.error?.code).toBe('UNKNOWN_THREAD');
  });
});

describe("a replica's own channel", () => {
  it('answers the built-in actions of that replica, and only those', async () => {
    const channel = `daebus:{${service}}:replica-actions:${doomed.id}`;
    const info = await daebus(['call', channel, 'daebus.info']);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ pid: doomed.pid, replica: { id: doomed.id } });
    const other = await daebus(['call', channel, 'echo', '{"a": 1}']);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('error UNKNOWN_ACTION: Only the daebus.* actions are answered on');
  });
});

describe('a replica that died', () => {
  it('is said to be gone in its block while it is still listed (before: "it runs a daebus older than this command")', async () => {
    const name = `cli_rep_dead_${randomUUID()}`;
    const [kept, killed] = await Promise.all([startReplica(name), startReplica(name)]);
    await waitFor(async () => (await json(['health', name])).length === 2, 'both replicas listed');
    process.kill(killed, 'SIGKILL');
    // listed for three of its heartbeats (2 s) after the kill
    const ran = await daebus(['health', name]);
    expect(ran.code).toBe(3);
    const block = blocks(ran.stdout).get(killed);
    expect(block).toMatch(
      /error NO_SUBSCRIBER: replica \S+ is gone: nothing listens on its channel \(it stopped or died; it leaves the list soon\)\.$/m,
    );
    expect(blocks(ran.stdout).get(kept)).toContain('ok, ready');
  });
});
