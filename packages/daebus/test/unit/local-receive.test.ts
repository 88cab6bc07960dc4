// A main-side receive of an in-process queue: the handler gets a copy, its delivery carries the
// item as taken (for a release), and the store keeps nothing of it, so a delivery dropped without
// ack or release is freed with its item (the store's table of held items grew for ever: about
// one item's size per unsettled receive, across stops and starts).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StateStore } from '../../src/main/state/store';
import type { Received } from '../../src/shared/state-ops';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('a main-side receive', () => {
  it('hands out a copy, and leaves nothing in the store once its delivery is dropped unsettled', async () => {
    const store = new StateStore();
    await store.execLocal({ kind: 'queue', name: 'jobs', op: 'put', item: { id: 1, body: 'x'.repeat(1_000) } });
    let received = (await store.execLocal({ kind: 'queue', name: 'jobs', op: 'receive', timeoutMs: 0 })) as Received | undefined;
    expect(received).toMatchObject({ item: { id: 1 }, deliveries: 1, original: { id: 1 } });
    expect(received!.item).not.toBe(received!.original);
    const taken = new WeakRef(received!.original as object);
    received = undefined;
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(taken.deref()).toBeUndefined();
  });
});
