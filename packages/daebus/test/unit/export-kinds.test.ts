// What a module registered as the wrong kind is told: its exports as an ES module or as a
// CommonJS module compiled from TypeScript ({ default: module.exports }) arrive.
import { defineHandler } from '../../src/thread/define-handler';
import { defineThread } from '../../src/thread/define';
import { handlerExportProblem, threadExportAdvice } from '../../src/thread/export-kinds';

const thread = defineThread(() => undefined);
const handler = defineHandler(() => 1);

describe('the advice for a thread module without a default thread definition', () => {
  it.each([
    ['an ES module', { worker: thread }],
    ['a CommonJS module', { default: { __esModule: true, worker: thread } }],
  ])('names a definition %s exports by name', (_kind, mod) => {
    expect(threadExportAdvice(mod)).toContain('It has one named worker');
    expect(threadExportAdvice(mod)).toContain('`export { worker as default }`');
  });

  it('names several, and says what its default export is otherwise', () => {
    expect(threadExportAdvice({ a: thread, b: thread })).toContain('It has 2 named a, b');
    expect(threadExportAdvice({ default: () => undefined })).toContain('Its default export is a plain function.');
    expect(threadExportAdvice({ default: handler })).toContain('Register a pooled handler with app.action(name, { module })');
  });
});

describe('the problem of a pooled handler module without the handler', () => {
  it('says a thread definition is one, and what else is there', () => {
    expect(handlerExportProblem('m.mjs', 'default', { default: thread })).toContain('exports "default" as a thread definition');
    expect(handlerExportProblem('m.mjs', 'default', { default: { __esModule: true, default: thread } })).toContain(
      'as a thread definition',
    );
    expect(handlerExportProblem('m.mjs', 'run', { other: handler })).toContain(
      'has no function export "run" (it has no export of that name)',
    );
  });

  it('describes a default export that is a plain object as what it is (before: "it has no export of that name")', () => {
    expect(handlerExportProblem('m.mjs', 'default', { default: { x: 1 } })).toContain(
      'has no function export "default": that export is a value of type object',
    );
  });
});
