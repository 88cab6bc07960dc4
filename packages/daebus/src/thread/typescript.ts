/**
 * TypeScript in a worker on a Node that cannot strip types: the main side names a tsx
 * (its package.json), and the worker registers tsx's hooks, for `import` and for `require`, once,
 * before it imports a `.ts` module. A worker does not inherit the loader of the process that
 * started it. `node:module` and `node:url` are loaded here only when needed: every module a
 * worker loads at boot is compiled on every thread start.
 */
let registered: Promise<void> | undefined;

export function ensureLoader(tsxPackage: string | undefined): Promise<void> {
  if (tsxPackage === undefined) return Promise.resolve();
  registered ??= (async () => {
    const [{ createRequire }, { pathToFileURL }] = await Promise.all([import('node:module'), import('node:url')]);
    const load = createRequire(tsxPackage);
    // require hooks first: a .ts file in a CommonJS package is loaded through them
    (load('tsx/cjs/api') as { register(): unknown }).register();
    // tsx's ES module API from its own .mjs file: the CommonJS copy of it misplaces its loader
    const esm = load.resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs');
    ((await import(pathToFileURL(esm).href)) as { register(): unknown }).register();
  })();
  return registered;
}

/**
 * Node's own type stripping (22.18 and later, 24) sets up its stripper in each worker at the
 * first TypeScript import: 35-100 ms on Node 24 here, against 3 ms for the import itself. A held
 * worker does that while it waits, with module.stripTypeScriptTypes, muting the experimental
 * warning that call prints (the import itself prints none).
 */
export async function warmTypeStripping(): Promise<void> {
  const { stripTypeScriptTypes } = (await import('node:module')) as { stripTypeScriptTypes?: (code: string) => string };
  if (typeof stripTypeScriptTypes !== 'function') return;
  const emitWarning = process.emitWarning;
  process.emitWarning = (() => undefined) as typeof process.emitWarning;
  try {
    stripTypeScriptTypes('let warm: number;');
  } catch {
    // no stripper after all: the module's import reports what is wrong
  } finally {
    process.emitWarning = emitWarning;
  }
}

/**
 * Advice for a TypeScript module that failed to load with Node's own type stripping (the main
 * side found no tsx, or the service itself runs from .ts under Node): the failures tsx would not
 * have, an import by the `.js` name of a `.ts` file, `import` in a `.ts` file of a CommonJS
 * package, and syntax stripping cannot erase (`enum`). Empty for any other failure.
 */
export function typeStrippingAdvice(specifier: string, loader: string | undefined, err: unknown): string {
  if (loader !== undefined || !/\.[cm]?ts$/.test(specifier)) return '';
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const missing = /Cannot find module '([^']*\.[cm]?js)'/.exec(message)?.[1];
  // the advice is for tsc's way, a .js name for a .ts source beside it: not for a file that is not there at all
  const missingJs = missing !== undefined && sourceBeside(missing);
  const commonJs = /Cannot use import statement outside a module|(?:exports|require) is not defined in ES module scope/.test(message);
  const notErasable = code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' || /not supported in strip-only mode/.test(message);
  if (!missingJs && !commonJs && !notErasable) return '';
  const what = missingJs
    ? "it loads exactly the file an import names (no helper.ts for './helper.js')"
    : commonJs
      ? specifier.endsWith('.cts')
        ? 'it reads a .cts file as CommonJS, whatever the package\'s "type" (write require() there, or name it .mts for import)'
        : 'it reads a .ts file by its package\'s "type" (CommonJS here)'
      : 'it erases types only, and cannot run enum, namespace or parameter-property syntax';
  const fix = missingJs
    ? ", or import the sources by their .ts names ('./helper.ts')"
    : notErasable
      ? ', or keep to syntax Node can erase (tsconfig erasableSyntaxOnly)'
      : '';
  const old = tooOldTsx(specifier);
  // the service may run under that tsx already: running it with tsx is not the advice then
  if (old !== undefined)
    return (
      `. Node loaded this .ts module with its own type stripping: the tsx found (${old}) is older than 4.9, which a worker ` +
      `needs (its register API), so it was passed over; with Node's stripping, ${what}. Update tsx (npm i -D tsx@latest)${fix}`
    );
  return (
    `. Node loaded this .ts module with its own type stripping (no tsx 4.9 or later was found, or the service itself runs from .ts ` +
    `under Node, and its workers follow Node's rules): ${what}. Run the service with tsx (npx tsx service.ts; from ` +
    `JavaScript or a test runner, install tsx in the project: npm i -D tsx, 4.9 or later)${fix}`
  );
}

/** Whether the TypeScript source of the missing `.js` (`.mjs`, `.cjs`) file at `path` exists; true when that cannot be told. */
function sourceBeside(path: string): boolean {
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (builtin === undefined || !path.startsWith('/')) return true;
  const { existsSync } = builtin('node:fs') as typeof import('node:fs');
  return existsSync(path.replace(/\.([cm]?)js$/, '.$1ts'));
}

/**
 * The tsx installed for the module (or the working folder), when it is one too old for a worker
 * (its package.json exports no register API): `tsx 4.7.0, <its package.json>`. Read only on this
 * failure's path, through getBuiltinModule (Node 22.3 and later: every Node that strips types).
 */
function tooOldTsx(specifier: string): string | undefined {
  const builtin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (builtin === undefined) return undefined;
  const { createRequire } = builtin('node:module') as typeof import('node:module');
  const { fileURLToPath } = builtin('node:url') as typeof import('node:url');
  const { readFileSync } = builtin('node:fs') as typeof import('node:fs');
  const { join } = builtin('node:path') as typeof import('node:path');
  const file = specifier.startsWith('file:') ? fileURLToPath(specifier) : specifier;
  for (const from of [file, join(process.cwd(), 'noop.js')]) {
    try {
      const path = createRequire(from).resolve('tsx/package.json');
      const { version, exports } = JSON.parse(readFileSync(path, 'utf8')) as { version?: unknown; exports?: unknown };
      if (typeof exports === 'object' && exports !== null && './esm/api' in exports) return undefined;
      return `tsx ${String(version)}, ${path}`;
    } catch {
      // no tsx there
    }
  }
  return undefined;
}
