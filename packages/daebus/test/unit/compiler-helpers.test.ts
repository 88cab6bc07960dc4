// Compiler helpers an inline thread function may use when its file was compiled for an older
// language level: each compiler's real output, found by name so that registration refuses it
// (THREAD_NOT_SHIPPABLE with advice) instead of the worker failing at run time.
import { transformSync as esbuild } from 'esbuild';
import { transformSync as swc } from '@swc/core';
import ts from 'typescript';
import { compilerHelperAdvice, compilerHelperIn, handedOnTo } from '../../src/shared/compiler-helpers';
import { explainInlineError } from '../../src/thread/load';

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

/** TypeScript's output for `source` as a CommonJS module at `target`. */
const tsc = (source: string, target: ts.ScriptTarget, esModuleInterop: boolean): string =>
  fn(ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target, esModuleInterop } }).outputText);

/** The advice for the first helper TypeScript's output uses. */
const adviceFor = (code: string): string => compilerHelperAdvice('Thread "t"', compilerHelperIn(code) as string);

describe('compiler helper advice', () => {
  const IMPORTS = "export const f = async (running: unknown) => { const os = await import('node:os'); return os.cpus(); };";

  it('says a CommonJS build rewrote import() (esModuleInterop: __importStar), not to raise the target', () => {
    const advice = adviceFor(tsc(IMPORTS, ts.ScriptTarget.ES2022, true));
    expect(advice).toContain('"__importStar(require(...))"');
    expect(advice).toContain('rewrites import() into require()');
    expect(advice).toContain('emit ES modules');
    expect(advice).not.toContain('target');
  });

  it('says the same of a require() the worker does not have (no esModuleInterop), not to use import()', () => {
    const code = tsc(IMPORTS, ts.ScriptTarget.ES2022, false);
    expect(code).toContain("require('node:os')");
    expect(compilerHelperIn(code)).toBeUndefined();
    const explained = explainInlineError('t', new ReferenceError('require is not defined')) as Error & { code: string };
    expect(explained.code).toBe('THREAD_INLINE_SCOPE');
    expect(explained.message).toContain('rewrites import() into require()');
    expect(explained.message).not.toContain('await import(');
  });

  it("says a bundler that bundled the imported package in (esbuild's __toESM, in ES module output too) is a cause, and to mark it external", () => {
    // esbuild --bundle --format=esm writes an inline thread's import('ms') as __toESM(require_ms())
    const advice = compilerHelperAdvice(
      'Thread "t"',
      compilerHelperIn('async () => { const m = await Promise.resolve().then(() => __toESM(require_ms(), 1)); }') as string,
    );
    expect(advice).toContain('a bundler that bundles the imported package in');
    expect(advice).toContain('--packages=external');
  });

  it('keeps the ES2017 advice for async helpers', () => {
    const advice = adviceFor(
      tsc('export const f = async (running: () => Promise<void>) => { await running(); };', ts.ScriptTarget.ES2016, false),
    );
    expect(advice).toContain('"__awaiter"');
    expect(advice).toContain('ES2017 or later');
  });

  it('does not advise ES2017 for object rest, which ES2017 compiles into __rest', () => {
    const source =
      'export const f = async (running: unknown, t: Record<string, number>) => { const { a, ...rest } = t; return [a, rest]; };';
    const advice = adviceFor(tsc(source, ts.ScriptTarget.ES2017, false));
    expect(advice).toContain('"__rest"');
    expect(advice).not.toContain('ES2017');
    expect(advice).toContain('ES2022 suits Node 20');
  });
});

describe('an inline thread that uses a variable with a one- or two-letter name', () => {
  it('is told that a minifier probably renamed it, and to register a module thread', () => {
    const explained = explainInlineError('t', new ReferenceError('t is not defined')) as Error & { code: string };
    expect(explained.code).toBe('THREAD_INLINE_SCOPE');
    expect(explained.message).toContain('usually comes from a minifier');
    expect(explained.message).toContain('Register a module made with defineThread()');
    expect((explainInlineError('t', new ReferenceError('config is not defined')) as Error).message).not.toContain('minifier');
  });
});

describe("Babel's wrapper of an async function below ES2017", () => {
  it('is found by its shape: the whole body hands the call on to a variable outside it', () => {
    // @babel/preset-env's output (no targets) for an async arrow, and for a named async function
    expect(handedOnTo('function (_x, _x2) {\n    return _ref.apply(this, arguments);\n  }')).toBe('_ref');
    expect(handedOnTo('function named(_x3) {\n    return _named.apply(this, arguments);\n  }')).toBe('_named');
  });

  it("finds Babel's other helpers in a sync function (for...of, typeof), and its advice names Babel's targets", () => {
    // @babel/preset-env's output (no targets) for a for...of over a Set and a typeof
    const forOf = 'function f(running, t) { var _iterator = _createForOfIteratorHelper(new Set([1, 2])), _step; return _iterator; }';
    expect(compilerHelperIn(forOf)).toBe('_createForOfIteratorHelper');
    expect(compilerHelperIn('function f(running, t) { return _typeof(t.workerData); }')).toBe('_typeof');
    expect(compilerHelperAdvice('Thread "t"', '_objectSpread')).toContain('targets: { node: "current" }');
  });

  it('is not seen in a function that does anything else', () => {
    for (const source of [
      'async (running, t) => { while (running()) await t.sleep(10); }',
      'function (a) { log(a); return impl.apply(this, arguments); }',
      'function (a) { return console.log.apply(this, arguments); }',
      'function (a) { return impl.call(this, a); }',
    ])
      expect(handedOnTo(source)).toBeUndefined();
  });
});
