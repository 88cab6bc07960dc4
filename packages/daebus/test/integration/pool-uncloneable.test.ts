// Pooled replies and updates that structured clone refuses (a Promise from a forgotten await, a
// Proxy, a WeakMap): the call fails with NOT_CLONEABLE naming what and where, the worker runs on.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DaebusCaller } from 'daebus';
import { fixture, waitFor } from '../support/helpers';
import { appPerTest } from '../support/app-per-test';

const handlers = fixture('uncloneable.mjs');
// one worker: a call that broke it would leave none for the next
const t = appPerTest('pool_uncloneable', { maxWorkers: 1 });
const exports = [
  'promise',
  'proxy',
  'weak',
  'weakSet',
  'updateCaught',
  'updateThrown',
  'instance',
  'changes',
  'updateChanges',
  'mapped',
  'hiddenDepth',
  'hiddenUpdate',
  'spinFor',
  'getterOverflow',
  'getterWritesPromise',
  'ok',
];

/** `timeouts`: the timeout of some handlers; the others' is 5 s. */
async function start(timeouts: Record<string, number> = {}): Promise<DaebusCaller> {
  for (const name of exports) t.app.action(name, { module: handlers, export: name, timeoutMs: timeouts[name] ?? 5_000 });
  await t.start();
  return t.caller({ timeoutMs: 20_000 });
}

/** Block the main thread for `atLeastMs`, and until 100 ms after the file `marker` appears (10 s at most). */
function spinUntilReturned(marker: string, atLeastMs: number): void {
  const start = Date.now();
  let seenAt: number | undefined;
  while (Date.now() - start < 10_000) {
    if (seenAt === undefined && existsSync(marker)) seenAt = Date.now();
    if (seenAt !== undefined && Date.now() - seenAt >= 100 && Date.now() - start >= atLeastMs) return;
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function refused(what: string): object {
  return {
    code: 'REMOTE_ERROR',
    message: expect.stringMatching(new RegExp(`^the pooled reply: the value cannot be copied to another thread: ${escape(what)}`)),
    details: expect.objectContaining({ remoteCode: 'NOT_CLONEABLE' }),
  };
}

describe('a pooled reply that cannot be copied', () => {
  it('fails its call with NOT_CLONEABLE naming what and where, and the worker answers the next call', async () => {
    const caller = await start();
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
    await expect(caller.sendRequest('promise')).rejects.toMatchObject(refused('it holds a Promise at total (is an await missing?)'));
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
    await expect(caller.sendRequest('proxy')).rejects.toMatchObject(refused('it is a Proxy'));
    await expect(caller.sendRequest('weak')).rejects.toMatchObject(refused('it holds a WeakMap at items[1].cache'));
    await expect(caller.sendRequest('weakSet')).rejects.toMatchObject(refused('it holds a WeakSet at seen'));
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
    // what structured clone does copy still goes as it did
    await expect(caller.sendRequest('instance')).resolves.toEqual({ at: { x: 3 }, when: '1970-01-01T00:00:00.000Z', err: {} });
    expect(t.records.filter((r) => String(r.message).includes('outside any call'))).toEqual([]);
  });

  it('fails a call whose reply the checks passed but the copy refused (a getter read twice), and the pool replaces the worker', async () => {
    const caller = await start();
    await expect(caller.sendRequest('changes')).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      message: expect.stringContaining('the pooled reply: the value cannot be copied to another thread (#<Promise> could not be cloned.)'),
      details: expect.objectContaining({ remoteCode: 'NOT_CLONEABLE' }),
    });
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
  });

  it('refuses such an update as send() is called, and the worker answers the next call', async () => {
    const caller = await start();
    await expect(caller.sendRequest('updateCaught')).resolves.toEqual({
      code: 'NOT_CLONEABLE',
      message: expect.stringContaining('a pooled update: the value cannot be copied to another thread'),
    });
    await expect(caller.sendRequest('updateThrown')).rejects.toMatchObject({
      message: expect.stringContaining('it holds a Proxy at handle'),
      details: expect.objectContaining({ remoteCode: 'NOT_CLONEABLE' }),
    });
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
  });

  it('refuses an update the checks passed but the copy refused (a getter read twice) with NOT_CLONEABLE', async () => {
    const caller = await start();
    await expect(caller.sendRequest('updateChanges')).resolves.toEqual({
      code: 'NOT_CLONEABLE',
      message: expect.stringContaining('a pooled update: the value cannot be copied to another thread'),
    });
  });

  it('names a culprit under a Map’s object key by its entry', async () => {
    const caller = await start();
    await expect(caller.sendRequest('mapped')).rejects.toMatchObject({
      message: expect.stringContaining('it holds a Promise at m.get(<the key of entry 1>)'),
    });
  });

  it('fails a call whose reply the main thread cannot read at its timeout, and the pool replaces the worker', async () => {
    // one worker: without the fix, it stays busy for ever (piscina waits for a reply that never comes)
    const caller = await start({ hiddenDepth: 1_000 });
    await expect(caller.sendRequest('hiddenDepth', { levels: 5_000 })).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
      message: expect.stringContaining('returned, but its reply had not reached the main thread when its timeout of 1000 ms came'),
      details: expect.objectContaining({ remoteCode: 'TIMEOUT' }),
    });
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
  });

  it('answers a call queued behind one whose timeout came while the main thread was too busy to read its reply', async () => {
    const caller = await start({ spinFor: 150 });
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
    const marker = join(mkdtempSync(join(tmpdir(), 'daebus-spin-')), 'returned');
    const first = caller.sendRequest('spinFor', { ms: 20, marker }).catch((err: unknown) => err);
    const queued = caller.sendRequest('ok');
    // the first call's reply is posted while the main thread is blocked past its timeout: blocked
    // until the handler has returned, however late a loaded machine ran it (a fixed 400 ms was not
    // always enough), and for at least 400 ms
    setTimeout(() => setImmediate(() => spinUntilReturned(marker, 400)), 5);
    // before, its worker was stopped as if its reply were lost, and the queued call died with it
    await expect(queued).resolves.toEqual({ fine: true });
    expect(await first).toMatchObject({ details: expect.objectContaining({ remoteCode: 'TIMEOUT' }) });
  });

  it('fails at once a reply whose getter overflows the stack as the copy reads it', async () => {
    // before, the overflow was logged as no call's and the call waited out its timeout
    const caller = await start({ getterOverflow: 60_000 });
    await expect(caller.sendRequest('getterOverflow')).rejects.toMatchObject({
      details: expect.objectContaining({ remoteCode: 'NOT_CLONEABLE' }),
    });
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
  });

  it('fails at once a reply whose copy fails while its getter writes to stderr', async () => {
    // before, the failure was taken for a module timer's (stderr had a write pending) and the call waited out its timeout
    const caller = await start({ getterWritesPromise: 60_000 });
    await expect(caller.sendRequest('getterWritesPromise')).rejects.toMatchObject({
      message: expect.stringContaining('the pooled reply: the value cannot be copied to another thread'),
      details: expect.objectContaining({ remoteCode: 'NOT_CLONEABLE' }),
    });
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
  });

  it('logs an update the main thread cannot read, and answers the call', async () => {
    const caller = await start();
    await expect(caller.sendRequest('hiddenUpdate', { levels: 5_000 })).resolves.toEqual({ sent: true });
    expect(t.records).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(/^A message from pool worker \d+ could not be read on the main thread/),
      }),
    );
  });

  it('fails a call whose reply is nested past what the worker can post, at once, and the pool replaces the worker', async () => {
    const caller = await start({ hiddenDepth: 60_000 });
    await expect(caller.sendRequest('hiddenDepth', { levels: 50_000 })).rejects.toMatchObject({
      message: expect.stringContaining('the pooled reply: the value is nested too deep to copy between threads'),
      details: expect.objectContaining({ remoteCode: 'NOT_CLONEABLE' }),
    });
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
    expect(t.records.filter((r) => String(r.message).includes('outside any call'))).toEqual([]);
  });

  it('fails a call whose payload nests too deep to post to a worker with NOT_CLONEABLE, and answers the next', async () => {
    const caller = await start();
    // as it comes from another process: text that parses, 20,000 levels deep (a caller of this process cannot encode it)
    const link = t.transport();
    await link.connect();
    const replyTo = `caller:${randomUUID()}`;
    const replies: string[] = [];
    await link.subscribe(replyTo, (text) => void replies.push(text));
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    await link.publish(t.service, `{"action": "ok", "payload": {"a": ${deep}}, "reply_to": "${replyTo}", "request_id": "deep"}`);
    await waitFor(() => replies.length > 0, 'the reply');
    // before: HANDLER_ERROR "Maximum call stack size exceeded", as if the handler had thrown
    expect(JSON.parse(replies[0] as string)).toMatchObject({
      status: 'error',
      payload: {
        code: 'NOT_CLONEABLE',
        error: expect.stringContaining('Pooled action "ok": the payload: the value is nested 20001 levels deep to copy between threads'),
      },
    });
    await expect(caller.sendRequest('ok')).resolves.toEqual({ fine: true });
    await link.close();
  });

  it('fails a pooled background run, which records the error and runs again', async () => {
    const task = t.app.background('report', 0.01, { module: handlers, export: 'report' });
    await t.start();
    await waitFor(() => task.runs >= 3, 'three runs of the background task');
    expect(task.lastError).toEqual(expect.stringContaining('it holds a Promise at stats'));
  });
});
