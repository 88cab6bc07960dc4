// Threads and pooled handlers written in TypeScript, run from their sources through tsx's loader
// (tsx is installed in this package; jest, the main process, does not run under it).
import { transformSync } from 'esbuild';
import { appPerTest } from '../support/app-per-test';
import { fixture, nextEvent, waitFor } from '../support/helpers';

const t = appPerTest('typescript');

describe('TypeScript modules', () => {
  it('runs a .ts thread, given as the .js name it builds to', async () => {
    t.app.thread('ts', fixture('ts-thread.js'), { workerData: { greeting: 'hello' } });
    const started = nextEvent(t.app, 'start');
    await t.app.start();
    await started;
    await waitFor(() => t.records.some((r) => r.message === 'hello from TypeScript'), 'the thread to log');
  });

  it('runs a pooled handler from a .ts module', async () => {
    t.app.action('double', { module: fixture('ts-pooled.ts') });
    await t.start();
    await expect(t.caller({ timeoutMs: 20_000 }).sendRequest('double', { n: 21 })).resolves.toEqual({ doubled: 42 });
  });

  it('passes execArgv to the thread', async () => {
    t.app.thread('ts', fixture('ts-thread.ts'), { workerData: { greeting: 'hi' }, execArgv: ['--no-deprecation'] });
    await t.app.start();
    await waitFor(() => t.records.some((r) => r.message === 'hi from TypeScript'), 'the thread to log');
    expect(t.records.find((r) => r.message === 'hi from TypeScript')).toMatchObject({ execArgv: ['--no-deprecation'] });
  });
});

declare const __awaiter: (...args: unknown[]) => Promise<unknown>;

// Under a test runner the main process runs without tsx; where Node strips types itself, the
// project's tsx is still the loader: Node's stripping finds no helper.ts for './helper.js' and
// reads a CommonJS package's .ts as CommonJS, where `import` is a syntax error.
describe('TypeScript modules loaded while the main process runs without tsx', () => {
  it("runs an ES module thread that imports './helper.js' (helper.ts)", async () => {
    t.app.thread('esm', fixture('ts-esm/thread.ts'));
    await t.app.start();
    await waitFor(() => t.records.some((r) => r.message === 'ESM HELPER!'), 'the thread to log');
  });

  it("runs a pooled handler that imports './helper.js' (helper.ts)", async () => {
    t.app.action('shout', { module: fixture('ts-esm/pooled.ts') });
    await t.start();
    await expect(t.caller({ timeoutMs: 20_000 }).sendRequest('shout', { text: 'hi' })).resolves.toEqual({ shouted: 'HI!' });
  });

  it('runs a thread written with import/export in a CommonJS package', async () => {
    t.app.thread('cjs', fixture('ts-cjs/thread.ts'));
    await t.app.start();
    await waitFor(() => t.records.some((r) => r.message === 'commonjs thread'), 'the thread to log');
  });
});

describe('inline threads compiled for an old language level', () => {
  it("are refused at registration, with advice about the compiler's target", () => {
    // what TypeScript writes for an async arrow when its target is below ES2017
    function compiled(this: unknown): Promise<unknown> {
      return __awaiter(this, undefined, undefined, function* () {
        yield 1;
      });
    }
    expect(() => t.app.thread('old', compiled)).toThrow(
      expect.objectContaining({ code: 'THREAD_NOT_SHIPPABLE', message: expect.stringContaining('Raise `target` in tsconfig.json') }),
    );
  });
});

describe('inline threads compiled by Babel for an old language level', () => {
  it('are refused at registration, with advice about the target, though no helper is named in them', () => {
    // what @babel/preset-env (no targets) writes for an async arrow: its code moves into _ref, beside it
    const compiled = new Function(
      'const _ref = async (running) => { await running(); }; return function (_x, _x2) { return _ref.apply(this, arguments); };',
    )() as (running: () => boolean) => Promise<void>;
    expect(() => t.app.thread('babel', compiled)).toThrow(
      expect.objectContaining({ code: 'THREAD_NOT_SHIPPABLE', message: expect.stringContaining('targets: { node: "current" }') }),
    );
  });
});

describe('inline threads compiled by tsx', () => {
  it("run with their inner functions and classes named, though the file's __name helper is not sent", async () => {
    // what tsx (esbuild with keepNames) writes for an inline thread with an inner function, arrow and class
    const compiled = new Function(
      'return async (running, t) => { function inner(y) { return y + 1; } __name(inner, "inner"); ' +
        'const arrow = __name((y) => y + 1, "arrow"); class K { static { __name(this, "K"); } } ' +
        "t.log.info('named', { names: [inner.name, arrow.name, K.name], sum: inner(1) + arrow(1) }); };",
    )() as (running: () => boolean, t: unknown) => Promise<void>;
    const exit = nextEvent(t.app, 'exit', (e) => e.name === 'tsx');
    t.app.thread('tsx', compiled, { restart: 'temporary' });
    await t.app.start();
    expect(await exit).toMatchObject({ reason: 'normal' });
    expect(t.records.find((r) => r.message === 'named')).toMatchObject({ names: ['inner', 'arrow', 'K'], sum: 4 });
  });

  it('fail minified (esbuild --minify --keep-names), the one-letter helper named and a minifier given as the likely cause', async () => {
    const { code } = transformSync(
      'globalThis.minified = async (running, t) => { function inner(y) { return y + 1; } t.log.info(String(inner(1))); };',
      { minify: true, keepNames: true },
    );
    const compiled = new Function(`${code}; return globalThis.minified;`)() as (running: () => boolean, t: unknown) => Promise<void>;
    const failed = nextEvent(t.app, 'failed', (e) => e.name === 'minified');
    t.app.thread('minified', compiled, { restart: 'temporary' });
    await t.app.start();
    const event = await failed;
    expect(event).toMatchObject({ error: { code: 'THREAD_INLINE_SCOPE' } });
    expect(event.error?.message).toContain('usually comes from a minifier');
  });
});
