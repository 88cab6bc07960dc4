// SoloMap (shared/solo-map.ts): a Map whose first entry lives in fields; it must behave as a Map.
import { SoloMap } from '../../src/shared/solo-map';

describe('SoloMap', () => {
  it('gets, sets, replaces and deletes as a Map does, whichever of its places holds an entry', () => {
    const map = new SoloMap<string, number>();
    const model = new Map<string, number>();
    const both = (op: (m: SoloMap<string, number> | Map<string, number>) => unknown) => expect(op(map)).toEqual(op(model));
    // a solo entry, then others beside it, the solo one deleted while they stay, then a new one
    for (const [op, key, value] of [
      ['set', 'a', 1],
      ['set', 'b', 2],
      ['set', 'c', 3],
      ['set', 'a', 10],
      ['delete', 'a', 0],
      ['set', 'b', 20], // b is in the Map while the fields are free: replaced there, not twice
      ['set', 'd', 4],
      ['delete', 'zz', 0],
      ['delete', 'c', 0],
      ['delete', 'b', 0],
    ] as const) {
      if (op === 'set') {
        map.set(key, value);
        model.set(key, value);
      } else {
        both((m) => m.delete(key));
      }
      both((m) => m.size);
      for (const k of ['a', 'b', 'c', 'd', 'zz']) {
        both((m) => m.get(k));
        both((m) => m.has(k));
      }
      expect(new Map(map.entries())).toEqual(model);
      expect(map.values().sort()).toEqual([...model.values()].sort());
    }
    expect(map.entries()).toEqual([['d', 4]]);
  });

  it('lets go of a deleted value', () => {
    const map = new SoloMap<number, { big: number[] }>();
    map.set(1, { big: [1] });
    map.delete(1);
    expect(map.entries()).toEqual([]);
    expect(map.get(1)).toBeUndefined();
    expect(map.size).toBe(0);
  });
});
