// `instanceof` with the classes `daebus/thread` exports holds in every kind of worker: the worker
// entries are bundled with copies of their own, so a CommonJS thread's `t` and a pooled handler's
// `ctx` were no instances of the classes their `daebus/thread` exports (an ESM thread's were).
import { SharedMap, ThreadContext } from 'daebus/thread';
import { appPerTest } from '../support/app-per-test';
import { fixture, waitFor } from '../support/helpers';

const t = appPerTest('class_identity', { maxWorkers: 1 });

it("a CommonJS thread's context and structures, and a pooled handler's, are instances of the exported classes", async () => {
  t.app.thread('cjs', fixture('identity-thread.cjs'));
  t.app.action('pooled', { module: fixture('identity-handler.mjs') });
  await t.start();
  await waitFor(async () => (await t.app.map('identity').get('cjs thread')) !== undefined, 'the thread to report');
  expect(await t.app.map('identity').get('cjs thread')).toEqual({
    context: true,
    map: true,
    queue: true,
    list: true,
    websocket: true,
    plain: false,
  });
  await expect(t.caller().sendRequest('pooled')).resolves.toEqual({ context: true, map: true, notThread: false });
});

it('keeps instanceof false for what is no instance: other values, and the prototypes themselves', () => {
  for (const value of [null, undefined, 1, 'map', {}, [], Object.create(null), () => 1]) {
    expect(value instanceof SharedMap).toBe(false);
    expect(value instanceof ThreadContext).toBe(false);
  }
  expect(SharedMap.prototype instanceof SharedMap).toBe(false);
  expect(ThreadContext.prototype instanceof ThreadContext).toBe(false);
});
