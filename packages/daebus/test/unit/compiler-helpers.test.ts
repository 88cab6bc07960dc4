// Compiler helpers an inline thread function may use when its file was compiled for an older
// language level: each compiler's real output, found by name so that registration refuses it
// (THREAD_NOT_SHIPPABLE with advice) instead of the worker failing at run time.
import { transformSync as esbuild } from 'esbuild';
import { transformSync as swc } from '@swc/core';
import ts from 'typescript';
import { compilerHelperAdvice, compilerHelperIn } from '../../src/shared/compiler-helpers';
import { keepNamesHelpersIn, withKeepNamesHelpers } from '../../src/shared/keep-names';
import { explainInlineError, loadThreadFunction } from '../../src/thread/load';

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

/** A function with inner functions and classes of every kind esbuild's keepNames names. */
const NAMED = `globalThis.named = async (running, t) => {
  function inner(y) { return y + 1; }
  const arrow = (y) => y + 1;
  const expression = function () { return 2; };
  class K { static s = 1; }
  const C = class {};
  const o = { method() { return 1; }, property: () => 2 };
  t.names([inner.name, arrow.name, expression.name, K.name, C.name, o.property.name, \`\${arrow.name}\`]);
};`;

/** esbuild's output for NAMED with `options`, evaluated: the function's own text, as the app gets it. */
function compiledText(options: { minify: boolean }): string {
  const { code } = esbuild(NAMED, { ...options, keepNames: true });
  return String(new Function(`${code}; return globalThis.named;`)());
}

/** The inner names the function sees once shipped with its helpers and compiled as its worker does. */
async function namesInWorker(text: string): Promise<unknown> {
  const source = withKeepNamesHelpers(`(${text})`, keepNamesHelpersIn(text));
  const fn = await loadThreadFunction('named', { kind: 'inline', source });
  let names: unknown;
  await fn(() => true, { names: (seen: unknown) => (names = seen) } as never);
  return names;
}

describe("esbuild's keepNames helper", () => {
  const NAMES = ['inner', 'arrow', 'expression', 'K', 'C', 'property', 'arrow'];

  it('is found by its call shape when minified to one letter (the exact shape of --minify --keep-names)', () => {
    // from `esbuild --bundle --minify --keep-names`: t is the file's `(e,s)=>n(e,"name",{value:s,configurable:!0})`
    const shipped = 'async(e,s)=>{let r=t(i=>i*2,"double");for(s.log.info("inline thread says "+r(21));await s.sleep(50););}';
    expect(keepNamesHelpersIn(shipped)).toEqual(['t']);
    expect(keepNamesHelpersIn('async(a,e)=>{class c{static{n(this,"K")}}function s(t){return t+1}n(s,"inner")}')).toEqual(['n']);
  });

  it('is supplied to a function esbuild minified, which then runs with its inner names', async () => {
    const text = compiledText({ minify: true });
    expect(text).not.toContain('__name');
    expect(keepNamesHelpersIn(text)).toHaveLength(1);
    await expect(namesInWorker(text)).resolves.toEqual(NAMES);
  });

  it('is supplied as __name when not minified (tsx)', async () => {
    const text = compiledText({ minify: false });
    expect(keepNamesHelpersIn(text)).toEqual(['__name']);
    await expect(namesInWorker(text)).resolves.toEqual(NAMES);
  });

  it("is not taken for globals, the user's own functions, or text in strings, comments and regexes", () => {
    expect(keepNamesHelpersIn('() => { setTimeout(() => 1, "10"); }')).toEqual([]);
    expect(keepNamesHelpersIn('() => { register(() => 1, "job"); }')).toEqual([]);
    expect(keepNamesHelpersIn('() => { ab(() => 1, "job"); ab.size; }')).toEqual([]);
    expect(keepNamesHelpersIn('() => { ab(() => 1, "job", 3); }')).toEqual([]);
    expect(keepNamesHelpersIn('() => { o.ab(() => 1, "job"); }')).toEqual([]);
    expect(keepNamesHelpersIn(`() => { 'ab(x, "y")'; /* ab(x, "y") */ /ab(x, "y")/.test(\`ab(x, "y")\`); }`)).toEqual([]);
    expect(keepNamesHelpersIn('() => { return `${ab(() => 1, "job")}`; }')).toEqual(['ab']);
  });

  it("is not taken for the user's own short function in code as written (indented), which then fails as undefined", () => {
    // the user's `const go = (fn, label) => ...` of the file: a stand-in would silently not run fn
    const written = `async (running, t) => {
      const r = await go(async () => 42, 'job');
      t.log.info(String(r));
    }`;
    expect(keepNamesHelpersIn(written)).toEqual([]);
    expect(keepNamesHelpersIn(`async (running, t) => {\n  __name(f, 'f');\n}`)).toEqual(['__name']); // tsx's, unminified
  });

  it("leaves a call of the user's own short function with something else than a function undefined, as before", () => {
    const source = withKeepNamesHelpers('(() => ab({}, "job"))', ['ab']);
    expect(() => (0, eval)(source)()).toThrow(new ReferenceError('ab is not defined'));
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
