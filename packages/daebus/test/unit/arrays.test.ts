// Emptying small arrays without dropping their backing store (shared/arrays.ts).
import { emptyInPlace, takeFirst } from '../../src/shared/arrays';

describe('array helpers', () => {
  it('takeFirst takes items oldest first, the last one too, and undefined from an empty array', () => {
    const items = ['a', 'b', 'c'];
    expect([takeFirst(items), takeFirst(items), takeFirst(items), takeFirst(items)]).toEqual(['a', 'b', 'c', undefined]);
    expect(items).toEqual([]);
  });

  it('emptyInPlace empties the same array object', () => {
    const items = [1, 2, 3];
    const same = items;
    emptyInPlace(items);
    expect(same).toEqual([]);
    same.push(4);
    expect(items).toEqual([4]);
  });
});
