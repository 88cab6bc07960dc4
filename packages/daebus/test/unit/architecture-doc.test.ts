// docs/architecture.md is the map of the sources: every file it names must be one that exists, so
// that a renamed or merged file does not leave readers looking for it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const packageRoot = join(__dirname, '..', '..');
const doc = join(packageRoot, '..', '..', 'docs', 'architecture.md');

function files(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? files(path) : [relative(packageRoot, path).split(sep).join('/')];
  });
}

describe('docs/architecture.md', () => {
  const known = [...files(join(packageRoot, 'src')), ...files(join(packageRoot, 'test'))];
  // `route-runner.ts`, `main/support/timers.ts`, `app/daebus.ts`: a file, or its path's tail
  const named = [...new Set([...readFileSync(doc, 'utf8').matchAll(/`([\w./-]+\.ts)`/g)].map((m) => m[1] as string))];

  it('names source files', () => {
    expect(named.length).toBeGreaterThan(50);
  });

  it.each(named)('%s exists', (name) => {
    expect(known.filter((file) => file === name || file.endsWith(`/${name}`))).not.toEqual([]);
  });
});
