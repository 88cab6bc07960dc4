// Below a few megabytes of heap or stack, Node ends the whole process as a worker starts (V8
// "GC during deserialization" on Node 22 and 24, a stack overflow in Node's own bootstrap), not
// just that worker. daebus refuses such resourceLimits at registration; a thread at the floors it
// accepts must start or fail to start cleanly. Run in a child process: a wrong floor kills it.
import { spawnSync } from 'node:child_process';
import { fixture } from '../support/helpers';

describe('resourceLimits at their floors and ceilings', () => {
  it('a thread (inline and module) starts or fails to start, and the service process lives on', () => {
    const child = spawnSync(process.execPath, [fixture('resource-floors.cjs')], { encoding: 'utf8', timeout: 60_000 });
    const ended = { status: child.status, signal: child.signal, stderr: child.status === 0 ? '' : child.stderr };
    expect(ended).toEqual({ status: 0, signal: null, stderr: '' });
    const outcomes: { kind: string; limits: Record<string, number>; outcome: string }[] = JSON.parse(
      child.stdout.trim().split('\n').pop() ?? '[]',
    );
    // each of the 4 fields at its floor, then all of them, then the code range at its ceiling, inline and module
    expect(outcomes).toHaveLength(12);
    expect(outcomes).toContainEqual({ kind: 'module', limits: { codeRangeSizeMb: 4096 }, outcome: 'running' });
    expect(outcomes).toContainEqual({ kind: 'module', limits: { maxOldGenerationSizeMb: 4 }, outcome: expect.any(String) });
    expect(outcomes).toContainEqual({ kind: 'inline', limits: { stackSizeMb: 1 }, outcome: expect.any(String) });
    for (const { outcome } of outcomes) expect(outcome).toMatch(/^running$|^THREAD_START_FAILED: out-of-memory$/);
  });
});
