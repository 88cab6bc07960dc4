// Compiler helpers an inline thread function may use when its file was compiled for an older
// language level: each compiler's real output, found by name so that registration refuses it
// (THREAD_NOT_SHIPPABLE with advice) instead of the worker failing at run time.
import { transformSync as esbuild } from 'esbuild';
import { transformSync as swc } from '@swc/core';
import { compilerHelperIn } from '../../src/shared/compiler-helpers';

/** A function that needs helpers below ES2018: async, spread and rest, for await, class fields. */
const SOURCE = `const f = async (running, t) => {
  const o = { ...t.a };
  const { x, ...rest } = o;
  for await (const item of t.items) console.log(item);
  class K { y = 1; #z = 2; get z() { return this.#z; } }
  return [x, rest, new K()];
};`;

/** The compiled function's text: from its declaration on (the helpers' definitions come before it). */
const fn = (code: string): string => code.slice(code.search(/\b(const|var) f\b/));

describe('compiler helpers', () => {
  it.each(['es2016', 'es2017', 'es2020'])("finds esbuild's helpers at --target=%s", (target) => {
    expect(compilerHelperIn(fn(esbuild(SOURCE, { target }).code))).toBeDefined();
  });

  it("finds esbuild's __async in an async arrow compiled for es2016", () => {
    expect(compilerHelperIn(fn(esbuild('const f = async (running) => { await running(); };', { target: 'es2016' }).code))).toBe('__async');
  });

  it.each(['es5', 'es2016', 'es2017', 'es2020'] as const)("finds swc's helpers at target %s", (target) => {
    const code = swc(SOURCE, { jsc: { target, parser: { syntax: 'ecmascript' } } }).code;
    expect(compilerHelperIn(fn(code))).toBeDefined();
  });

  it("finds swc's _async_to_generator in an async arrow compiled for es2016", () => {
    const code = swc('const f = async (running) => { await running(); };', {
      jsc: { target: 'es2016', parser: { syntax: 'ecmascript' } },
    }).code;
    expect(compilerHelperIn(fn(code))).toBe('_async_to_generator');
  });

  it('finds none in the same function compiled for ES2022', () => {
    expect(compilerHelperIn(fn(esbuild(SOURCE, { target: 'es2022' }).code))).toBeUndefined();
    expect(compilerHelperIn(fn(swc(SOURCE, { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } } }).code))).toBeUndefined();
  });
});
