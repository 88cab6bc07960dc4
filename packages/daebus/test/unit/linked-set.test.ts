// LinkedSet (shared/linked-set.ts): a set linked through its entries; it must behave as a Set.
import { LinkedSet, type Linkable } from '../../src/shared/linked-set';

class Item implements Linkable<Item> {
  linkPrev: Item | undefined = undefined;
  linkNext: Item | undefined = undefined;
  linked = false;
  constructor(readonly name: string) {}
}

describe('LinkedSet', () => {
  it('adds, deletes and lists as a Set does, from the front, the middle and the back', () => {
    const items = ['a', 'b', 'c', 'd', 'e'].map((name) => new Item(name));
    const [a, b, c, d, e] = items as [Item, Item, Item, Item, Item];
    const set = new LinkedSet<Item>();
    const model = new Set<Item>();
    const same = () => {
      expect(set.size).toBe(model.size);
      expect(set.values().map((i) => i.name)).toEqual([...model].map((i) => i.name));
      expect(set.first).toBe([...model][0]);
    };
    for (const [op, item] of [
      ['add', a],
      ['add', b],
      ['add', c],
      ['add', b], // already in: stays where it is, counted once
      ['delete', b], // the middle
      ['delete', a], // the front
      ['add', d],
      ['delete', d], // the back
      ['delete', d], // not in any more
      ['add', e],
      ['add', a], // back in after a delete: at the end
      ['delete', c],
      ['delete', e],
      ['delete', a], // empty again
      ['add', b],
    ] as const) {
      if (op === 'add') {
        set.add(item);
        model.add(item);
      } else {
        expect(set.delete(item)).toBe(model.delete(item));
      }
      same();
    }
  });

  it('gives a copy: deleting while walking the copy deletes every entry', () => {
    const set = new LinkedSet<Item>();
    for (const name of ['a', 'b', 'c']) set.add(new Item(name));
    for (const item of set.values()) set.delete(item);
    expect(set.size).toBe(0);
    expect(set.values()).toEqual([]);
  });
});
