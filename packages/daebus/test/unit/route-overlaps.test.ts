// Which routes of other paths answer on a path (for its 405s), found through a tree of the paths'
// segments rather than by comparing every path with every other (4 000 routes took 14 s to mount).
import { findOverlaps, type ShapedGroup } from '../../src/main/http/route-overlaps';

function group(shape: string, ...methods: string[]): ShapedGroup {
  return { shape, methods: new Set(methods), elsewhere: new Set(), somewhere: new Set() };
}

describe('overlaps between route paths', () => {
  it('gives a path the methods of a parameter path that covers it, and of one it would shadow', () => {
    const me = group('/users/me', 'GET');
    const byId = group('/users/:', 'GET', 'DELETE');
    const meSub = group('/users/me/:', 'GET');
    const idX = group('/users/:/x', 'POST');
    const other = group('/orders/:', 'PUT');
    const deeper = group('/users/me/x/y', 'PATCH');
    findOverlaps([me, byId, meSub, idX, other, deeper]);
    // every path of /users/me is one of /users/:
    expect([...me.elsewhere].sort()).toEqual(['DELETE', 'GET']);
    expect(me.somewhere.size).toBe(0);
    // /users/me/: is matched before /users/:/x on /users/me/x: a 405 there would shadow POST
    expect([...meSub.somewhere]).toEqual(['POST']);
    expect(meSub.elsewhere.size).toBe(0);
    // a parameter path is not covered by a written one, and paths of other lengths or prefixes do not meet
    for (const g of [byId, idX, other, deeper]) expect([g.elsewhere.size, g.somewhere.size]).toEqual([0, 0]);
  });

  it('finds a parameter segment anywhere along the path', () => {
    const written = group('/a/b/c', 'GET');
    const first = group('/:/b/c', 'POST');
    const last = group('/a/b/:', 'PUT');
    const all = group('/:/:/:', 'DELETE');
    findOverlaps([written, first, last, all]);
    expect([...written.elsewhere].sort()).toEqual(['DELETE', 'POST', 'PUT']);
    expect([...last.elsewhere]).toEqual(['DELETE']);
  });
});
