// What keeps a pooled reply from reaching the main thread as it is: a quick walk for the usual
// value, an exact count past the walk's budget, which must see functions and toJSON() as the walk does.
import { copyProblem, MAX_NESTING, nestingDepth, notCloneable } from '../../src/shared/cloneable';

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

describe('nestingDepth', () => {
  /** `levels` arrays, each holding the next; the innermost holds `end`. */
  const chain = (levels: number, end: unknown): unknown => {
    let value = end;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };

  it('counts a shared object at the depth structured clone meets it first, in key order', () => {
    const shared = chain(5, 0); // 5 levels
    // met first under `a`, at depth 2: the chain's copy of it is a reference
    expect(nestingDepth({ a: shared, b: chain(10, shared) })).toBe(11);
    // met first at the end of the chain, at depth 12
    expect(nestingDepth({ b: chain(10, shared), a: shared })).toBe(16);
  });

  it('counts a Map as clone copies it: each key, then its value', () => {
    const shared = chain(3, 0);
    expect(nestingDepth(new Map<unknown, unknown>([[shared, chain(6, shared)]]))).toBe(7);
    expect(nestingDepth(new Map<unknown, unknown>([[chain(6, shared), shared]]))).toBe(10);
  });
});

describe('nesting through what clone copies beyond enumerable keys', () => {
  const nested = (levels: number): unknown => {
    let value: unknown = 0;
    for (let i = 0; i < levels; i++) value = [value];
    return value;
  };

  it("counts an error's cause, which clone copies", () => {
    expect(copyProblem(new Error('x', { cause: nested(MAX_NESTING + 5) }))).toBe('deep');
    expect(nestingDepth(new Error('x', { cause: nested(10) }))).toBe(11);
  });

  it("does not walk a String object's characters", () => {
    // walked as keys, a long String object took seconds to check
    const boxed = new String('x'.repeat(100_000));
    expect(copyProblem({ boxed })).not.toBe('deep');
    expect(nestingDepth({ boxed })).toBe(2);
  });
});

describe('the NOT_CLONEABLE error of a value nested too deep', () => {
  it('says it nests through an array\'s extra properties when its counted depth is within the limit (before: "nested 1 levels deep")', () => {
    let hidden: unknown = 1;
    for (let i = 0; i < 5; i++) hidden = Object.assign([], { extra: hidden });
    const err = notCloneable('queue "q"', new RangeError('Maximum call stack size exceeded'), hidden);
    expect(err).toMatchObject({ code: 'NOT_CLONEABLE', details: { maxNesting: 1_000 } });
    expect(err.message).toContain("the value is nested too (through an array's extra, non-index properties) deep to copy between threads");
    expect(err.details).not.toHaveProperty('depth');
  });

  it('names the depth it counted when that is past the limit', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 1_200; i++) deep = [deep];
    expect(notCloneable('queue "q"', new RangeError('too deep'), deep)).toMatchObject({ details: { depth: 1_200 } });
  });
});
