// The thread side must never load main-side code (a worker would pull in winston and the
// supervisor); shared code must depend on neither side.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const src = join(__dirname, '..', 'src');

function importsOf(folder: string): { file: string; spec: string }[] {
  return readdirSync(join(src, folder))
    .filter((f) => f.endsWith('.ts'))
    .flatMap((file) => {
      const text = readFileSync(join(src, folder, file), 'utf8');
      return [
        ...text.matchAll(
          /^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/gm,
        ),
      ].map((m) => ({ file: `${folder}/${file}`, spec: m[1] ?? m[2] ?? m[3] ?? '' }));
    });
}

describe('the two sides of the thread boundary', () => {
  it('thread-side modules import only the thread folder, the shared folder and Node built-ins', () => {
    const bad = importsOf('thread').filter(
      ({ spec }) => !(spec.startsWith('./') || spec.startsWith('../shared/') || spec.startsWith('node:')),
    );
    expect(bad).toEqual([]);
  });

  it('shared modules import only shared modules and Node built-ins', () => {
    const bad = importsOf('shared').filter(({ spec }) => !(spec.startsWith('./') || spec.startsWith('node:')));
    expect(bad).toEqual([]);
  });

  it('the package exports one entry per side', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports)).toEqual(['.', './thread', './package.json']);
  });
});
