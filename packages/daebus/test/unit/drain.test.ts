// The order of a stop's drain: what it answers STOPPED, and when, once the drain timeout has passed.
import { drainRequests } from '../../src/main/app/drain';
import type { HandlerPool } from '../../src/main/pool/handler-pool';
import type { Accepted } from '../../src/main/rpc/accepted';
import type { ServiceBus } from '../../src/main/rpc/service-bus';
import { captureLogger } from '../support/helpers';

/** A request taken in, as the drain reads it. */
function taken(action: string): Accepted {
  return { request: { action }, response: { action }, running: true } as unknown as Accepted;
}

describe('a stop that gives up on running requests', () => {
  it('answers the requests no pooled call runs at once, and waits only for the cancelled pooled calls', async () => {
    const plain = taken('hangs');
    const pooled = taken('fib');
    let unfinished = [plain, pooled];
    const steps: string[] = [];
    const bus = {
      service: 'svc',
      get acceptedCount() {
        return unfinished.length;
      },
      acceptedRequests: () => [...unfinished],
      drain: async (ms: number) => {
        steps.push(`drain ${ms} ms: ${unfinished.map((r) => r.request.action).join(', ')}`);
        // the cancelled pooled call ends within the grace; the plain handler never does
        if (steps.length > 1) unfinished = unfinished.filter((r) => r !== pooled);
        return [...unfinished];
      },
      abandon: async (requests: Accepted[]) => {
        steps.push(`STOPPED: ${requests.map((r) => r.request.action).join(', ')}`);
        unfinished = unfinished.filter((r) => !requests.includes(r));
      },
    } as unknown as ServiceBus;
    const pool = { cancelAll: () => new Set<object>([pooled.response]) } as unknown as HandlerPool;
    const waits = { endMainWaits: () => steps.push('main-side takes ended') };
    const drained = await drainRequests({ bus, pool, logger: captureLogger().logger, timeoutMs: 200, waits });
    // before, the plain request waited out the pooled calls' 1 s grace with them for its reply; the
    // main side's queue takes end as the time is up, before a give-up awaits anything
    expect(steps).toEqual(['drain 200 ms: hangs, fib', 'main-side takes ended', 'STOPPED: hangs', 'drain 1000 ms: fib']);
    expect(drained.abandoned).toEqual(['hangs', 'fib']);
  });

  it('does not count as running a request that finished and is sending its reply', async () => {
    const sending = Object.assign(taken('fib'), { replying: true });
    const waiting = Object.assign(taken('fib'), { running: false });
    let unfinished = [taken('fib'), taken('fib'), sending, waiting];
    const bus = {
      service: 'svc',
      get acceptedCount() {
        return unfinished.length;
      },
      acceptedRequests: () => [...unfinished],
      drain: async () => (unfinished = []),
      letGo: async () => undefined,
    } as unknown as ServiceBus;
    const { logger, records } = captureLogger();
    await drainRequests({ bus, pool: undefined, logger, timeoutMs: 200 });
    // before: "(3 running)", one more than the action's concurrency of 2 could run
    expect(records[0]?.message).toBe('Waiting up to 200 ms for 4 requests (2 running, 1 sending its reply): fib x4 to finish');
  });
});
