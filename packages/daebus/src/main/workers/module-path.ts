import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { isTypeScript, typeScriptLoader } from './typescript';
import { checkWorkerFiles } from './worker-path';

/** The TypeScript source a compiled file name stands for, as TypeScript's own imports read `.js`. */
const SOURCE_OF: Record<string, string> = { '.js': '.ts', '.mjs': '.mts', '.cjs': '.cts' };

/**
 * The file URL of a module given as a path (absolute, or from the working directory) or a file
 * URL; it must exist. A `.js` (`.mjs`, `.cjs`) name whose file is missing but whose `.ts`
 * (`.mts`, `.cts`) source sits beside it stands for that source, as in TypeScript's own imports:
 * the same registration runs from the build and, in development, from the sources.
 */
export function moduleSpecifier(where: string, entry: string | URL): string {
  let path: string;
  if (entry instanceof URL || entry.startsWith('file:')) {
    const url = entry instanceof URL ? entry : new URL(entry);
    if (url.protocol !== 'file:')
      throw new DaebusError(ErrorCodes.INVALID_OPTION, `${where}: entry URL must be a file: URL (got ${url.href}).`);
    path = fileURLToPath(url);
  } else {
    path = isAbsolute(entry) ? entry : resolve(process.cwd(), entry);
  }
  return pathToFileURL(existingModule(where, path, typeof entry === 'string' ? entry : undefined)).href;
}

/** A package's module `entry` names ("pkg/worker", taken for a path from the working directory): its path, if Node finds one. */
function packageModule(entry: string | undefined): string | undefined {
  if (entry === undefined || isAbsolute(entry) || entry.startsWith('.') || entry.startsWith('file:')) return undefined;
  // from the working directory, and from the main script's (a workspace's root runs an app of one of its packages)
  for (const from of [join(process.cwd(), 'noop.js'), process.argv[1]]) {
    try {
      if (from !== undefined) return createRequire(from).resolve(entry);
    } catch {
      // not found from there
    }
  }
  return undefined;
}

function existingModule(where: string, path: string, given: string | undefined): string {
  if (existsSync(path)) {
    if (statSync(path).isDirectory())
      throw new DaebusError(ErrorCodes.INVALID_OPTION, `${where}: ${path} is a directory; give the module's file (its index.js, say).`);
    return path;
  }
  const extension = /\.[cm]?js$/.exec(path)?.[0];
  const source = extension === undefined ? undefined : path.slice(0, -extension.length) + SOURCE_OF[extension];
  if (source !== undefined && existsSync(source)) return source;
  const inPackage = packageModule(given);
  throw new DaebusError(
    ErrorCodes.INVALID_OPTION,
    `${where}: module ${path} does not exist. Relative paths resolve from the working directory; ` +
      "prefer new URL('./module.js', import.meta.url) or path.join(__dirname, 'module.js'). " +
      'A bundled service needs the module built as its own entry point beside the bundle.' +
      (inPackage === undefined
        ? ''
        : ` "${given}" is a package's module (${inPackage}): give its path, import.meta.resolve('${given}') or require.resolve('${given}').`),
  );
}

/**
 * A module a worker loads: its file URL, and for TypeScript either the loader to register first
 * or `stripsTypes` (Node strips the types itself).
 */
export interface WorkerModule {
  specifier: string;
  loader?: string;
  stripsTypes?: true;
}

export function workerModule(where: string, entry: string | URL): WorkerModule {
  // a module only a worker loads: if no worker can start (daebus bundled), say so at registration
  checkWorkerFiles();
  const specifier = moduleSpecifier(where, entry);
  if (!isTypeScript(specifier)) return { specifier };
  const loader = typeScriptLoader(where, specifier);
  return loader === undefined ? { specifier, stripsTypes: true } : { specifier, loader };
}
