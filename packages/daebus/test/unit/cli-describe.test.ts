// The human form of a health report, as `daebus health` and `daebus watch` print it, and of
// `daebus info`'s background tasks, and `daebus replicas`'s table.
import { describeHealth, describeInfo, describeReplicas } from '../../src/cli/describe';
import type { ServiceInfo } from '../../src/main/ops/introspection';

describe('describeHealth', () => {
  it('says a service that is still starting is not ready yet', () => {
    const lines = describeHealth({
      status: 'failing',
      ready: false,
      starting: true,
      transport: { connected: true, description: 'memory' },
      threads: { failed: [], stalled: [] },
    });
    expect(lines).toEqual(['failing, NOT ready, still starting (memory connected)']);
  });

  it('says a service that stops is not ready, and why a replica does not read its request stream', () => {
    const base = {
      status: 'ok' as const,
      ready: false,
      transport: { connected: true, description: 'redis' },
      threads: { failed: [], stalled: [] },
    };
    expect(describeHealth({ ...base, stopping: true })).toEqual(['ok, NOT ready, stopping (redis connected)']);
    // before: only --json said why
    expect(
      describeHealth({ ...base, status: 'failing', requests: { reading: false, error: 'WRONGTYPE Operation against a key' } }),
    ).toEqual(['failing, NOT ready (redis connected)', 'request stream not read: WRONGTYPE Operation against a key']);
  });

  it('names the threads that crashed and wait to restart, and reads a report from a service that has no such field', () => {
    const health = {
      status: 'degraded' as const,
      ready: false,
      transport: { connected: true, description: 'redis' },
      threads: { failed: [], stalled: [], restarting: ['worker'] },
    };
    expect(describeHealth(health)).toEqual(['degraded, NOT ready (redis connected)', 'restarting threads (crashed, in backoff): worker']);
    expect(describeHealth({ ...health, threads: { failed: [], stalled: [] } })).toEqual(['degraded, NOT ready (redis connected)']);
  });

  it('says which writes Redis refuses, with its answer', () => {
    const health = {
      status: 'failing' as const,
      ready: false,
      transport: { connected: true, description: 'redis' },
      threads: { failed: [], stalled: [] },
      refused: [
        { what: 'replies' as const, error: 'NOPERM User x has no permissions to access the channel', since: 1, count: 12 },
        { what: 'intake' as const, error: "OOM command not allowed when used memory > 'maxmemory'.", since: 1, count: 3 },
      ],
    };
    expect(describeHealth(health)).toEqual([
      'failing, NOT ready (redis connected)',
      "Redis refuses the service's replies (12 refused): NOPERM User x has no permissions to access the channel",
      // said in words, and without the period that `daebus watch` would join with "; "
      "Redis refuses the additions of pub/sub requests to the request stream (3 refused): OOM command not allowed when used memory > 'maxmemory'",
    ]);
  });
});

describe('describeInfo', () => {
  const info = (background: ServiceInfo['background']): ServiceInfo => ({
    service: 'svc',
    app: 'app',
    library: { name: 'daebus', version: '0.1.0' },
    node: 'v20',
    pid: 1,
    host: 'h',
    startedAt: null,
    uptimeMs: 0,
    transport: null,
    actions: [],
    listeners: [],
    threads: [],
    background,
    pool: null,
    replica: null,
    http: null,
    admin: false,
  });

  it("counts a task's failed runs, and says nothing of them for a service that does not report them", () => {
    const task = { name: 'sync', intervalSeconds: 5, paused: false, busy: false, runs: 7, failures: 2 };
    expect(describeInfo(info([task])).join('\n')).toMatch(/^background +sync \(every 5 s, 7 runs, 2 failed\)$/m);
    const older = { ...task, failures: undefined as unknown as number };
    expect(describeInfo(info([older])).join('\n')).toMatch(/^background +sync \(every 5 s, 7 runs\)$/m);
  });

  it('says where the service answers HTTP and WebSocket clients (before: info did not say), and "-" without them or from an older daebus', () => {
    const http = { url: 'http://0.0.0.0:8080', websocketUrl: 'ws://0.0.0.0:8080/ws', routes: 3 };
    expect(describeInfo({ ...info([]), http }).join('\n')).toMatch(
      /^http +http:\/\/0\.0\.0\.0:8080 \(3 routes\), ws:\/\/0\.0\.0\.0:8080\/ws$/m,
    );
    expect(describeInfo(info([])).join('\n')).toMatch(/^http +-$/m);
    const older = { ...info([]), http: undefined as unknown as null };
    expect(describeInfo(older).join('\n')).toMatch(/^http +-$/m);
  });
});

describe('describeReplicas', () => {
  const replica = { host: 'h', pid: 1, startedAt: 0, inFlight: 0, lastSeen: 1_000 };

  it('says which replica lacks which action while old and new code run side by side', () => {
    const lines = describeReplicas(
      [
        { ...replica, id: 'old', actions: ['get'] },
        { ...replica, id: 'new', actions: ['get', 'export'] },
        { ...replica, id: 'older-version' }, // a daebus that does not list its actions
      ],
      2_000,
    );
    expect(lines.slice(-3)).toEqual(['', 'the replicas differ in their actions (old and new code side by side?):', '  old lacks export']);
  });

  it('adds nothing under the table when every replica has the same actions', () => {
    const lines = describeReplicas(
      [
        { ...replica, id: 'a', actions: ['get', 'put'] },
        { ...replica, id: 'b', actions: ['put', 'get'] },
      ],
      2_000,
    );
    expect(lines).toHaveLength(3); // the heading and a row for each
  });

  it('says which replica is stopping (before: listed as any other while it drained)', () => {
    const lines = describeReplicas(
      [
        { ...replica, id: 'a', leaving: true },
        { ...replica, id: 'b' },
      ],
      2_000,
    );
    expect(lines.slice(3)).toEqual(['  a is stopping: it takes nothing new in, and drains what it runs']);
  });
});
