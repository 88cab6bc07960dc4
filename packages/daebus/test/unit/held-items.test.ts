// The queue items a worker was handed and has not let go (main side).
import { HeldItems } from '../../src/main/workers/held-items';

const item = (n: number) => ({ queue: 'q', item: n, deliveries: 1 });

describe('HeldItems', () => {
  it('lets go of the items of get the worker counted as received, in the order they were sent', () => {
    let received = 0;
    const held = new HeldItems(() => received);
    held.sent(1, item(1), false);
    held.sent(2, item(2), false);
    held.sent(3, item(3), false);
    received = 2;
    expect(held.takeAll().map((h) => h.item)).toEqual([3]);
    expect(held.takeAll()).toEqual([]);
  });

  it('in a steady hand-off, each item sent lets go of the one before it once counted', () => {
    let received = 0;
    const held = new HeldItems(() => received);
    for (let n = 1; n <= 5; n++) {
      held.sent(n, item(n), false);
      received = n - 1; // the thread has every item but the newest
    }
    expect(held.takeAll().map((h) => h.item)).toEqual([5]);
  });

  it('keeps the items of receive until taken back, whatever the count says, and gives everything back in hand-out order', () => {
    let received = 0;
    const held = new HeldItems(() => received);
    held.sent(7, item(1), true);
    held.sent(8, item(2), false);
    held.sent(9, item(3), true);
    received = 1;
    expect(held.take(9)).toMatchObject({ item: 3, deliveries: 1 });
    expect(held.take(9)).toBeUndefined();
    expect(held.takeAll().map((h) => h.item)).toEqual([1]);
  });

  it('without a count, holds each item of get until its ack', () => {
    const held = new HeldItems();
    held.sent(1, item(1), false);
    held.sent(2, item(2), false);
    expect(held.take(1)).toMatchObject({ item: 1 });
    expect(held.takeAll().map((h) => h.item)).toEqual([2]);
  });
});
