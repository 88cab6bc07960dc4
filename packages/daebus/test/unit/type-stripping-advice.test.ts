// The advice for a TypeScript module that Node's own type stripping could not load.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typeStrippingAdvice } from '../../src/thread/typescript';

// a folder with no tsx above it: the advice is the one for no tsx found
const dir = mkdtempSync(join(tmpdir(), 'daebus-advice-'));
const importInCommonJs = new SyntaxError('Cannot use import statement outside a module');

describe('typeStrippingAdvice', () => {
  it("blames the package's type for import in a .ts file of a CommonJS package", () => {
    expect(typeStrippingAdvice(join(dir, 'thread.ts'), undefined, importInCommonJs)).toContain(
      'it reads a .ts file by its package\'s "type" (CommonJS here)',
    );
  });

  it('blames the extension for import in a .cts file, whatever the package says (before: its "type")', () => {
    const advice = typeStrippingAdvice(join(dir, 'thread.cts'), undefined, importInCommonJs);
    expect(advice).toContain('it reads a .cts file as CommonJS, whatever the package\'s "type"');
    expect(advice).not.toContain('CommonJS here');
  });

  it('says nothing for a module that tsx loaded, or one that is not TypeScript', () => {
    expect(typeStrippingAdvice(join(dir, 'thread.cts'), '/somewhere/tsx/package.json', importInCommonJs)).toBe('');
    expect(typeStrippingAdvice(join(dir, 'thread.js'), undefined, importInCommonJs)).toBe('');
  });
});
