// A route whose handler never settles: answered 504 at its timeout, and then forgotten, so that a
// running service does not keep one call (its request and response) per such request for good.
// An answer Node refuses to write: answered 500 instead, never left hanging nor thrown out.
import { EventEmitter } from 'node:events';
import { RouteRunner } from '../../src/main/http/route-runner';
import { parseRoutePath } from '../../src/main/http/route-path';
import type { RouteHandler } from '../../src/main/http/route-entry';
import { createLogger } from '../../src/main/support/logger';
import { captureLogger, waitFor } from '../support/helpers';

function fakeReply(sent: unknown[]): unknown {
  const reply = {
    raw: { writableFinished: false, destroyed: false, req: { socket: new EventEmitter() } },
    code: () => reply,
    header: () => reply,
    headers: () => reply,
    removeHeader: () => reply,
    send: (body: unknown) => void sent.push(body),
  };
  return reply;
}

/** A reply whose first send throws, as Node's writeHead does with a header it refuses. */
function refusingReply(sent: unknown[], removed: string[]): { raw: { statusMessage: string } } {
  let refused = false;
  const reply = {
    // Node's writeHead takes the first status's reason before it refuses a header
    raw: { writableFinished: false, destroyed: false, statusMessage: 'OK', req: { socket: new EventEmitter() } },
    code: () => reply,
    header: () => reply,
    headers: () => reply,
    removeHeader: (name: string) => {
      removed.push(name);
      return reply;
    },
    send: (body: unknown) => {
      if (!refused) {
        refused = true;
        throw Object.assign(new TypeError('Invalid character in header content ["x-bad"]'), { code: 'ERR_INVALID_CHAR' });
      }
      sent.push(body);
    },
  };
  return reply;
}

const appScope = { service: 'x', broadcast: () => Promise.resolve(0), cache: () => undefined as never };

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

describe('route runner, timeouts in numbers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('logs the first timeout of a route with its request id, and the next ones of that second in one line', () => {
    const { logger, records } = captureLogger();
    const runner = new RouteRunner(appScope, logger);
    const never = { methods: ['GET' as const], kind: 'function' as const, run: () => new Promise(() => undefined), timeoutMs: 100 };
    const handleA = runner.handler({ ...never, path: parseRoutePath('test', '/a') });
    const handleB = runner.handler({ ...never, path: parseRoutePath('test', '/b') });
    const sent: unknown[] = [];
    runner.startSweeping();
    for (let i = 0; i < 50; i++)
      handleA({ method: 'GET', url: '/a', headers: {}, params: {}, query: {} } as never, fakeReply(sent) as never);
    handleB({ method: 'GET', url: '/b', headers: {}, params: {}, query: {} } as never, fakeReply(sent) as never);
    jest.advanceTimersByTime(200);
    for (let i = 0; i < 10; i++)
      handleA({ method: 'GET', url: '/a', headers: {}, params: {}, query: {} } as never, fakeReply(sent) as never);
    jest.advanceTimersByTime(1_000);
    expect(sent).toHaveLength(61);
    expect(records.filter((r) => r.level === 'warn').map((r) => [r.message, r.request_id ?? r.count])).toEqual([
      ['Route GET /a did not answer within 100 ms.', expect.stringMatching(/^http-/)],
      ['Route GET /b did not answer within 100 ms.', expect.stringMatching(/^http-/)],
      ['Route GET /a did not answer 59 more request(s) within 100 ms (each answered 504)', 59],
    ]);
    runner.stopSweeping();
  });
});

describe('route runner, failures in numbers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('logs the first ten failures of a route in a second with their error and request id, and the next ones in one line', async () => {
    const { logger, records } = captureLogger();
    const runner = new RouteRunner(appScope, logger);
    const throws = { methods: ['GET' as const], kind: 'function' as const, timeoutMs: 1_000 };
    const handleQ = runner.handler({ ...throws, path: parseRoutePath('test', '/q'), run: () => Promise.reject(new Error('db down')) });
    const handleR = runner.handler({ ...throws, path: parseRoutePath('test', '/r'), run: () => Promise.reject(new Error('no disk')) });
    const sent: unknown[] = [];
    const request = (url: string): never => ({ method: 'GET', url, headers: {}, params: {}, query: {} }) as never;
    for (let i = 0; i < 50; i++) handleQ(request('/q'), fakeReply(sent) as never);
    handleR(request('/r'), fakeReply(sent) as never);
    await jest.advanceTimersByTimeAsync(1_000);
    handleQ(request('/q'), fakeReply(sent) as never);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(52);
    const warned = records.filter((r) => r.level === 'warn');
    expect(warned.map((r) => [r.message, r.request_id ?? r.count])).toEqual([
      ...Array(10).fill(['Route GET /q failed: db down', expect.stringMatching(/^http-/)]),
      ['Route GET /r failed: no disk', expect.stringMatching(/^http-/)],
      ['Route GET /q failed 40 more time(s) in a second (each answered 5xx); the last: db down', 40],
      // a new second: the first failure of the route is logged whole again
      ['Route GET /q failed: db down', expect.stringMatching(/^http-/)],
    ]);
    expect(warned[0]?.error).toMatchObject({ message: 'db down', stack: expect.stringContaining('Error: db down') });
    runner.stopSweeping();
  });
});

describe('route runner, a stop that gives up on a pooled route', () => {
  it('answers 503 STOPPED and says so once: the job ending with its worker after that is not logged as a crash', async () => {
    const { logger, records } = captureLogger();
    const runner = new RouteRunner(appScope, logger);
    let crash = (_err: Error): void => undefined;
    const run = (): Promise<unknown> => new Promise((_resolve, reject) => (crash = reject));
    const handle = runner.handler({ path: parseRoutePath('test', '/work'), methods: ['GET'], kind: 'pooled', run, timeoutMs: 60_000 });
    const sent: unknown[] = [];
    handle({ method: 'GET', url: '/work', headers: {}, params: {}, query: {} } as never, fakeReply(sent) as never);
    expect(await runner.drain(0, 'svc')).toEqual(['GET /work']);
    // the pool stops after the HTTP server: the job's worker is terminated under it
    crash(new Error('Pooled action "GET /work" crashed its worker (Terminating worker thread); the pool replaced it.'));
    await waitFor(() => runner.inFlight === 0, 'the call to end');
    expect(sent.map((body) => JSON.parse(String(body)).code)).toEqual(['STOPPED']);
    // one line for all it gave up on (before: one a request); each request's id at debug
    expect(records.filter((r) => r.level === 'warn').map((r) => r.message)).toEqual([
      'Gave up on 1 HTTP request(s): GET /work; each is answered 503 STOPPED',
    ]);
    expect(records.filter((r) => r.level === 'debug').map((r) => r.message)).toContainEqual(
      expect.stringMatching(/^Gave up on GET \/work \(http-.*\): the service stopped$/),
    );
  });
});

describe('route runner, an answer Node refuses to write', () => {
  it.each([
    ['returns a value', () => ({ ok: true })],
    ['throws', () => Promise.reject(new Error('file not ready'))],
  ])('answers 500 BAD_RESPONSE without the handler’s headers when the handler %s', async (_what, finish) => {
    const { logger, records } = captureLogger();
    const runner = new RouteRunner(appScope, logger);
    const run: RouteHandler = (_request, context) => {
      context.response.header('x-report', 'ready');
      return finish();
    };
    const handle = runner.handler({ path: parseRoutePath('test', '/x'), methods: ['GET'], kind: 'function', run, timeoutMs: 1_000 });
    const sent: unknown[] = [];
    const removed: string[] = [];
    const rejections: unknown[] = [];
    const onRejection = (err: unknown): void => void rejections.push(err);
    process.on('unhandledRejection', onRejection);
    const reply = refusingReply(sent, removed);
    try {
      handle({ method: 'GET', url: '/x', headers: {}, params: {}, query: {} } as never, reply as never);
      await waitFor(() => runner.inFlight === 0, 'the request to be done');
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onRejection);
    }
    expect(rejections).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(String(sent[0]))).toMatchObject({ code: 'BAD_RESPONSE', error: expect.stringContaining('Invalid character') });
    // the handler's headers (and the request id a thrown error's answer adds) are not sent with the 500
    expect(removed.filter((name) => name !== 'x-request-id')).toEqual(['x-report']);
    expect(reply.raw.statusMessage).toBe('Internal Server Error');
    expect(records.some((r) => r.level === 'error' && /could not be written/.test(String(r.message)))).toBe(true);
  });
});
