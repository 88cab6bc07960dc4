// The layout's rules, checked on the sources: the thread side never loads main-side code (a
// worker would pull in winston and the supervisor); shared code depends on neither side; the
// command line sits on top of main and shared, and nothing depends on it; no module imports
// itself back through a cycle.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const src = join(__dirname, '..', '..', 'src');

function files(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return files(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every import of `file`: Node built-ins and packages as written, relative ones as source paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [
    ...text.matchAll(
      /^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)|\brequire\(\s*['"]([^'"]+)['"]\s*\)/gm,
    ),
  ].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  return specs.map((spec) => {
    if (!spec.startsWith('.')) return spec;
    const base = resolve(dirname(file), spec);
    return existsSync(`${base}.ts`) ? `${base}.ts` : join(base, 'index.ts');
  });
}

const graph = new Map(files(src).map((file) => [file, importsOf(file)]));
const rel = (file: string): string => relative(src, file);

function outside(folder: string, allowed: string[]): string[] {
  const bad: string[] = [];
  for (const [file, imports] of graph) {
    if (!rel(file).startsWith(`${folder}/`)) continue;
    for (const spec of imports) {
      const ok = spec.startsWith('node:') || (spec.startsWith('/') && allowed.some((a) => rel(spec).startsWith(`${a}/`)));
      if (!ok) bad.push(`${rel(file)} -> ${spec.startsWith('/') ? rel(spec) : spec}`);
    }
  }
  return bad;
}

describe('the layout', () => {
  it('thread-side modules import only the thread folder, the shared folder and Node built-ins', () => {
    expect(outside('thread', ['thread', 'shared'])).toEqual([]);
  });

  it('shared modules import only shared modules and Node built-ins', () => {
    expect(outside('shared', ['shared'])).toEqual([]);
  });

  it('command-line modules import main, shared and cli modules (and packages), never thread-side ones', () => {
    const bad: string[] = [];
    for (const [file, imports] of graph) {
      if (!rel(file).startsWith('cli/')) continue;
      for (const spec of imports) {
        if (spec.startsWith('/') && !['cli/', 'main/', 'shared/'].some((folder) => rel(spec).startsWith(folder))) {
          bad.push(`${rel(file)} -> ${rel(spec)}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('nothing outside the cli folder imports it: a service never loads the command line', () => {
    const bad: string[] = [];
    for (const [file, imports] of graph) {
      if (rel(file).startsWith('cli/')) continue;
      for (const spec of imports) if (spec.startsWith('/') && rel(spec).startsWith('cli/')) bad.push(`${rel(file)} -> ${rel(spec)}`);
    }
    expect(bad).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].map(rel).join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps source files small: none over 320 lines', () => {
    const long = [...graph.keys()].filter((file) => readFileSync(file, 'utf8').split('\n').length > 320).map(rel);
    expect(long).toEqual([]);
  });

  it('the package exports one entry per side', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports)).toEqual(['.', './thread', './package.json']);
  });
});
