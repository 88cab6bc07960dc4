// What keeps a pooled reply from reaching the main thread as it is: a quick walk for the usual
// value, an exact count past the walk's budget, which must see functions and toJSON() as the walk does.
import { copyProblem, MAX_NESTING } from '../../src/shared/cloneable';

function nested(levels: number): object {
  let o: object = { v: 1 };
  for (let i = 1; i < levels; i++) o = { o };
  return o;
}

describe('copyProblem', () => {
  it('finds nothing in plain data (a Date included), a function, symbol or toJSON() in it, and nesting past the limit', () => {
    expect(copyProblem({ a: [1, 'x', { b: new Date() }], m: new Map([['k', 1]]) })).toBeUndefined();
    expect(copyProblem({ a: [1, () => 2] })).toBe('json');
    expect(copyProblem({ s: Symbol('x') })).toBe('json');
    expect(copyProblem(Buffer.from('hi'))).toBe('json');
    expect(copyProblem({ a: [{ b: { toJSON: () => 'b' } }] })).toBe('json');
    expect(copyProblem(nested(MAX_NESTING))).toBeUndefined();
    expect(copyProblem(nested(MAX_NESTING + 1))).toBe('deep');
  });

  it('sees a function or a toJSON() past the quick walk, in a value of many objects', () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({ i }));
    expect(copyProblem(many)).toBeUndefined();
    expect(copyProblem([...many, { f: () => 1 }])).toBe('json');
    expect(copyProblem([...many, { b: Buffer.from('x') }])).toBe('json');
  });
});
