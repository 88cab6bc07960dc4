import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DaebusError, ErrorCodes } from '../../shared/errors';

/** A module file the worker loads as TypeScript. */
export function isTypeScript(specifier: string): boolean {
  return /\.(ts|mts|cts)$/.test(specifier);
}

/**
 * How a worker can load the TypeScript module `specifier` (a file URL): the path of the
 * `package.json` of the tsx whose hooks the worker registers before it imports the module (the
 * tsx the service itself runs under, `tsx service.ts` or `node --import tsx ...`, else the one the
 * module's own project has installed, else the app's: see tsxPlaces), or `undefined` when there is no tsx and Node strips types
 * by itself (Node 22.18 and later, 23.6 and later). tsx comes first even there: a main process
 * without it (jest, vitest, `node service.ts`) would otherwise leave the module to Node's
 * stripping, which finds no `helper.ts` for `./helper.js` and reads a `.ts` file of a CommonJS
 * package as CommonJS; but a service that Node itself runs from a .ts file leaves its workers to
 * Node too. Throws INVALID_OPTION, saying how to run it, when there is neither.
 */
export function typeScriptLoader(where: string, specifier: string): string | undefined {
  const file = fileURLToPath(specifier);
  const underTsx = tsxOfThisProcess();
  // one too old for the register API (before 4.9) is passed over: its hooks do not reach a worker
  if (underTsx && usable(underTsx)) return underTsx;
  const nodeStrips = Boolean((process.features as { typescript?: unknown }).typescript);
  // a service Node runs from its .ts source itself (`node service.ts`) is written to Node's rules:
  // its workers follow them too, without the time tsx adds to each worker's start
  if (nodeStrips && isTypeScript(process.argv[1] ?? '')) return nodeCanStrip(where, file);
  const places = tsxPlaces(file);
  const installed = places.map((place) => tsxFrom(join(place, 'noop.js'))).filter((path) => path !== undefined);
  const found = installed.find(usable);
  if (found) return found;
  if (nodeStrips) return nodeCanStrip(where, file);
  const tooOld = underTsx ?? installed[0];
  const old =
    tooOld === undefined
      ? ''
      : ` The tsx found (${versionOf(tooOld)}, ${tooOld}) is older than 4.9, which a worker needs (its register API).`;
  // Node that could strip types, with its stripping turned off (--no-experimental-strip-types)
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  const off = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
  throw new DaebusError(
    ErrorCodes.INVALID_OPTION,
    `${where}: ${file} is TypeScript, and Node ${process.version} ${off ? 'has its type stripping turned off' : 'cannot run it by itself'}.${old} ` +
      `No usable tsx was found from ${places.join(', ')}. Install tsx 4.9 or later in the project (npm i -D tsx; a worker then loads .ts ` +
      `modules with it), run the service with tsx (\`npx tsx service.ts\`), ${off ? "turn Node's type stripping back on" : 'use Node 22.18 or later'}, ` +
      'or build to JavaScript and register the .js file.',
  );
}

/** Undefined (Node strips the types) where Node does that: not for a file under node_modules, which it refuses at the start. */
function nodeCanStrip(where: string, file: string): undefined {
  // as Node sees it: a linked (workspace) package's module is loaded from its real place
  if (!/[\\/]node_modules[\\/]/.test(realpathSync(file))) return undefined;
  throw new DaebusError(
    ErrorCodes.INVALID_OPTION,
    `${where}: ${file} is TypeScript inside node_modules, where Node does not strip types. Register the package's built ` +
      'JavaScript, or install tsx 4.9 or later in the project (npm i -D tsx; a worker then loads .ts modules with it).',
  );
}

/**
 * Where tsx is looked for: from the module's folder, then from the app's (the script Node runs,
 * and the working folder). A module of a linked or workspace package lives outside the app that
 * runs it, and the app's tsx is the one to use then.
 */
function tsxPlaces(file: string): string[] {
  const script = process.argv[1];
  const places = [dirname(file), ...(script ? [dirname(script)] : []), process.cwd()];
  return [...new Set(places)];
}

/** The version a package.json (`path`) gives, as `tsx 4.7.0`. */
function versionOf(path: string): string {
  try {
    return `tsx ${String((JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown }).version)}`;
  } catch {
    return 'tsx';
  }
}

/** A tsx whose package.json (`path`) exports the register API a worker calls (tsx 4.9 and later). */
function usable(path: string): boolean {
  try {
    const exported = (JSON.parse(readFileSync(path, 'utf8')) as { exports?: unknown }).exports;
    return typeof exported === 'object' && exported !== null && './cjs/api' in exported && './esm/api' in exported;
  } catch {
    return false;
  }
}

/** tsx's API, when this process runs under tsx: its loader is named in the node options. */
function tsxOfThisProcess(): string | undefined {
  const options = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  for (const option of options) {
    const path = /^(?:file:\/\/)?(.*[\\/]node_modules[\\/]tsx)[\\/]/.exec(option)?.[1];
    if (path) return tsxFrom(join(path, 'package.json'));
  }
  return options.includes('tsx') ? tsxFrom(join(process.cwd(), 'noop.js')) : undefined;
}

/** tsx's package.json as resolved from `file`, if it can be. */
function tsxFrom(file: string): string | undefined {
  try {
    return createRequire(file).resolve('tsx/package.json');
  } catch {
    return undefined;
  }
}
