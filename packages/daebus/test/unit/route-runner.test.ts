// A route whose handler never settles: answered 504 at its timeout, and then forgotten, so that a
// running service does not keep one call (its request and response) per such request for good.
import { RouteRunner } from '../../src/main/http/route-runner';
import { parseRoutePath } from '../../src/main/http/route-path';
import { createLogger } from '../../src/main/support/logger';

function fakeReply(sent: unknown[]): unknown {
  const reply = {
    raw: { writableFinished: false, destroyed: false },
    code: () => reply,
    header: () => reply,
    headers: () => reply,
    send: (body: unknown) => void sent.push(body),
  };
  return reply;
}

describe('route runner', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers a handler past its timeout with 504 and no longer counts it in flight', () => {
    const app = { service: 'x', broadcast: () => Promise.resolve(0), cache: () => undefined as never };
    const runner = new RouteRunner(app, createLogger({ level: 'error' }));
    const handle = runner.handler({
      path: parseRoutePath('test', '/never'),
      methods: ['GET'],
      kind: 'function',
      run: () => new Promise(() => undefined),
      timeoutMs: 100,
    });
    const sent: unknown[] = [];
    runner.startSweeping();
    for (let i = 0; i < 3; i++)
      handle({ method: 'GET', url: '/never', headers: {}, params: {}, query: {} } as never, fakeReply(sent) as never);
    expect(runner.inFlight).toBe(3);
    jest.advanceTimersByTime(200);
    expect(sent).toHaveLength(3);
    expect(String(sent[0])).toContain('TIMEOUT');
    expect(runner.inFlight).toBe(0);
    runner.stopSweeping();
  });
});
