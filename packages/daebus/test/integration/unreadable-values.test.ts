// Values whose fields throw as they are read (a getter, a Proxy's trap, a revoked Proxy), thrown or
// logged by user code: the library reads them without throwing, answers with a readable error,
// and goes on serving. Before, reading one threw inside the library: the caller got no answer, the
// handler's concurrency slot was never given back, and under start() the process died.
import { DaebusError, logger } from 'daebus';
import { fixture, waitFor } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS helper the fixtures (ES modules, in workers) share
const { unreadable } = require('../support/unreadable.cjs') as { unreadable: (kind: string) => unknown };

const t = appPerTest('unreadable', { drainTimeoutMs: 1_000 });
const handlers = fixture('unreadable.mjs');
const UNREADABLE = 'An error that cannot be read was thrown (reading its fields threw).';
const KINDS = ['getter', 'message', 'revoked'] as const;

describe('values that throw as they are read', () => {
  it('an action that throws one answers HANDLER_ERROR, logs it, and gives its slot back', async () => {
    t.app.action('throws', (payload) => Promise.reject(unreadable(payload.kind as (typeof KINDS)[number])), { concurrency: 1 });
    t.app.action('echo', (payload) => payload);
    await t.start();
    const caller = t.caller({ timeoutMs: 2_000 });
    // three in a row on one slot: each would have waited for a slot never given back
    for (const kind of KINDS) {
      await expect(caller.sendRequest('throws', { kind })).rejects.toMatchObject({
        code: 'REMOTE_ERROR',
        message: UNREADABLE,
        details: { remoteCode: 'HANDLER_ERROR' },
      });
    }
    await expect(caller.sendRequest('echo', { a: 1 })).resolves.toEqual({ a: 1 });
    expect(t.records.filter((r) => r.message === `Action "throws" failed: ${UNREADABLE}`)).toHaveLength(3);
  });

  it('an action that logs one through the logger global, having caught it, still answers (before: the log call threw)', async () => {
    t.app.action('handles', (payload) => {
      try {
        throw unreadable(payload.kind as (typeof KINDS)[number]);
      } catch (err) {
        logger.error(err);
        logger.error('handled', { error: err });
        logger.info('with a getter', {
          ok: 1,
          get bad(): never {
            throw new Error('getter');
          },
        });
      }
      return { handled: true };
    });
    await t.start();
    const caller = t.caller({ timeoutMs: 2_000 });
    for (const kind of KINDS) await expect(caller.sendRequest('handles', { kind })).resolves.toEqual({ handled: true });
    expect(t.records.filter((r) => r.message === 'with a getter')).toEqual(
      KINDS.map(() => expect.objectContaining({ ok: 1, bad: '[a value that cannot be read]', action: 'handles' })),
    );
  });

  it('a thread handler that throws one rejects the request readably, and the thread goes on', async () => {
    t.app.thread('reader', handlers);
    await t.start();
    const thread = t.app.thread('reader');
    for (const kind of KINDS) await expect(thread.request('throw', { kind })).rejects.toMatchObject({ message: UNREADABLE });
    // logging them (and metadata that throws as it is read) throws nothing into the thread
    await expect(thread.request('log', {})).resolves.toBe('logged');
    await waitFor(() => t.records.some((r) => r.message === 'proxy meta'), 'the last record');
    expect(t.records.filter((r) => r.thread === 'reader' && r.level === 'error').map((r) => r.message)).toEqual([
      UNREADABLE,
      UNREADABLE,
      UNREADABLE,
    ]);
    expect(t.records.find((r) => r.message === 'meta')).toMatchObject({ meta: 'metadata that cannot be read (reading it threw)' });
    expect(t.records.find((r) => r.message === 'proxy meta')).toMatchObject({ p: '[a value that cannot be read]' });
    expect(t.app.threads.reader).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('a write of a value whose getter throws is refused NOT_CLONEABLE, from a thread and from the main side', async () => {
    t.app.thread('reader', handlers);
    await t.start();
    const outcomes = (await t.app.thread('reader').request('write', {})) as string[];
    expect(outcomes).toEqual([
      expect.stringMatching(/^NOT_CLONEABLE: map "m": set\("k"\).*no x today/),
      expect.stringMatching(/^NOT_CLONEABLE: queue "q".*no x today/),
      expect.stringMatching(/^NOT_CLONEABLE: list "l".*no x today/),
    ]);
    const value = {
      get x(): never {
        throw new Error('no x today');
      },
    };
    // before: the getter's own Error, with no code
    await expect(t.app.map('m').set('k', value)).rejects.toMatchObject({
      code: 'NOT_CLONEABLE',
      message: expect.stringContaining('no x today'),
    });
    await expect(t.app.map('m').snapshot()).resolves.toEqual({});
  });

  it('a revoked Proxy given as a request or broadcast payload is refused INVALID_ARGUMENT (before: a TypeError with no code)', async () => {
    t.app.action('echo', (payload) => payload);
    await t.start();
    const revoked = unreadable('revoked');
    await expect(t.caller().sendRequest('echo', revoked as Record<string, unknown>)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'sendRequest("echo"): payload must be an object (got [a value that cannot be read]).',
    });
    await expect(t.app.broadcast(`${t.service}.news`, revoked as Record<string, unknown>)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('the payload must be a JSON object (got [a value that cannot be read])'),
    });
    await expect(t.caller().sendRequest('echo', { a: 1 })).resolves.toEqual({ a: 1 });
  });

  it('a revoked Proxy stored is refused NOT_CLONEABLE naming a Proxy, without V8\'s words for it (they said "null")', async () => {
    await t.start();
    await expect(t.app.map('m').set('k', { a: [unreadable('revoked')] })).rejects.toMatchObject({
      code: 'NOT_CLONEABLE',
      message: expect.stringMatching(/^map "m": set\("k"\): the value cannot be copied to another thread: it holds a Proxy at a\[0\]\. /),
    });
  });

  it.each(KINDS)('a thread that crashes with one (%s) is reported with a readable error', async (kind) => {
    t.app.thread('crasher', handlers, { restart: 'temporary' });
    await t.start();
    await t.app.thread('crasher').request('crash', { kind });
    await waitFor(() => t.app.threads.crasher?.state === 'failed', 'the crash');
    // before: "" for an Error whose message throws, "{ message: [Getter] }" for an object, and a TypeError for a revoked Proxy
    expect(t.app.threads.crasher?.lastError).toMatchObject({ message: UNREADABLE });
    expect(t.records.map((r) => r.message)).toContain(`Thread "crasher" crashed: ${UNREADABLE}`);
  });

  it('a pooled handler that throws one fails its call readably; one a timer throws after the call is logged against it', async () => {
    t.remake({ maxWorkers: 1 });
    t.app.action('throws', { module: handlers, export: 'throws' });
    t.app.action('leaves', { module: handlers, export: 'leaves' });
    await t.start();
    const caller = t.caller({ timeoutMs: 5_000 });
    for (const kind of KINDS) await expect(caller.sendRequest('throws', { kind })).rejects.toMatchObject({ message: UNREADABLE });
    await expect(caller.sendRequest('leaves')).resolves.toBe('left');
    // before: reading it threw in the worker's listener, and nothing was logged
    await waitFor(
      () => t.records.some((r) => r.message.startsWith('Uncaught error in pooled action "leaves" after its call had ended')),
      'the leftover error logged',
    );
  });

  it('a map refuses to store under "__proto__", which a snapshot merged into an object would turn into its prototype', async () => {
    await t.start();
    const map = t.app.map('m');
    for (const write of [
      () => map.set('__proto__', { admin: true }),
      () => map.increment('__proto__'),
      () => map.merge(JSON.parse('{"__proto__": {"admin": true}}')),
    ]) {
      const err = (await write().catch((e: unknown) => e)) as DaebusError;
      expect(err).toBeInstanceOf(DaebusError);
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('map key "__proto__" is refused') });
    }
    await expect(map.snapshot()).resolves.toEqual({});
    // reading such a key is harmless, and answers as for any missing key
    await expect(map.get('__proto__')).resolves.toBeUndefined();
    await expect(map.has('__proto__')).resolves.toBe(false);
  });
});
