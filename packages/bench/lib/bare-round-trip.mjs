// The least an in-process request and reply can do with the library's guarantees, written
// without its structure: a random request id, a timeout armed and cleared, the payload and the
// reply copied as JSON, the handler run in an AsyncLocalStorage context, a microtask each way.
// What the library adds on top of this is its own cost; this is the floor for the design.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** A call function: `(payload) => Promise<reply>` answered by `handler` in the same process. */
export function bareRoundTrip(handler, timeoutMs = 10_000) {
  const pending = new Map();
  const storage = new AsyncLocalStorage();
  const answer = (id, json) => {
    const waiting = pending.get(id);
    if (!waiting) return;
    pending.delete(id);
    clearTimeout(waiting.timer);
    waiting.resolve(JSON.parse(json));
  };
  const serve = (id, json) => {
    const reply = JSON.stringify(storage.run({ id }, handler, JSON.parse(json)));
    queueMicrotask(() => answer(id, reply));
  };
  return (payload) =>
    new Promise((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve, timer });
      const json = JSON.stringify(payload);
      queueMicrotask(() => serve(id, json));
    });
}
