// A worker started ahead of its run ("held", as for a restart or an app's start): one real
// worker, driven directly through the built run class, so that its release is in the test's
// hands and nothing is timed.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Incarnation } from '../../dist/main/supervisor/incarnation';
import { toEntrySpec } from '../../dist/main/supervisor/entry';
import { resolveThreadOptions } from '../../dist/main/supervisor/thread-options';
import type { RunEvents, WorkerRun } from '../../dist/main/supervisor/worker-run';
import { captureLogger, fixture } from '../support/helpers';

let dir: string;
let markFile: string;
const runs: Incarnation[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'daebus-held-'));
  markFile = join(dir, 'imports');
});
afterEach(async () => {
  await Promise.all(runs.splice(0).map((run) => run.terminate()));
  rmSync(dir, { recursive: true, force: true });
});

/** A held run of the marks-import fixture, and its events as promises. */
function heldRun() {
  let booted!: () => void;
  let ready!: () => void;
  let exited!: (code: number) => void;
  const on = {
    booted: new Promise<void>((resolve) => (booted = resolve)),
    ready: new Promise<void>((resolve) => (ready = resolve)),
    exit: new Promise<number>((resolve) => (exited = resolve)),
  };
  let readyCalls = 0;
  const events: RunEvents = {
    onBooted: () => booted(),
    onReady: () => {
      readyCalls++;
      ready();
    },
    onExit: (_run: WorkerRun, code: number) => exited(code),
  };
  const name = 'held';
  const options = resolveThreadOptions(name, { env: { ...process.env, MARK_FILE: markFile }, workerData: { ms: 60_000 } });
  const services = { store: undefined as never, broadcast: async () => 0, socket: async () => undefined };
  const run = new Incarnation(
    { name, entry: toEntrySpec(name, fixture('marks-import.mjs')), options, restarts: 1, log: captureLogger().logger, held: true },
    events,
    services,
  );
  runs.push(run);
  return { run, on, readyCalls: () => readyCalls };
}

const imports = (): number => (existsSync(markFile) ? readFileSync(markFile, 'utf8').trim().split('\n').length : 0);
const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a restart's held worker", () => {
  it('boots and reports its boot time, imports no user module until released, then runs the thread', async () => {
    const { run, on } = heldRun();
    await on.booted;
    expect(run.bootMs).toBeGreaterThan(0);
    await settle(200); // a worker that did not wait would have imported the module by now
    expect(imports()).toBe(0);
    expect(run.readyAt).toBeUndefined();
    run.release();
    await on.ready;
    expect(imports()).toBe(1);
    run.requestStop();
    expect(await on.exit).toBe(0);
  });

  it('ends without importing the module when stopped before its release', async () => {
    const { run, on, readyCalls } = heldRun();
    await on.booted;
    run.requestStop();
    expect(await on.exit).toBe(0);
    expect(imports()).toBe(0);
    expect(readyCalls()).toBe(0);
  });
});
