import { DaebusError, ErrorCodes } from '../shared/errors';
import { pathToFileURL } from 'node:url';
import type { InlineOrigin, ThreadEntrySpec } from '../shared/protocol/thread';
import { isThreadDefinition, type ThreadFunction } from './define';
import { threadExportAdvice } from './export-kinds';
import { commonJsImportAdvice, compilerHelperAdvice, compilerHelperIn } from '../shared/compiler-helpers';
import { syntaxErrorSite } from './syntax-site';
import { ensureLoader, typeStrippingAdvice, warmTypeStripping } from './typescript';

/** The library's public thread entry, imported by name as a thread's module imports it. */
const PUBLIC_ENTRY = 'daebus/thread';

/**
 * The part of loading that runs no user code: registering tsx's hooks for a TypeScript module.
 * A failure here is left for loadThreadFunction to report (ensureLoader keeps its promise).
 * A held worker also imports `daebus/thread` now, as its module will: a worker's first import
 * of a package by name runs cold loader code, and the module is then loaded already (it took
 * about 1 ms off the 5-6 ms from a restart's due time to its thread running).
 */
export async function prepareThreadLoad(entry: ThreadEntrySpec, held: boolean): Promise<void> {
  if (entry.kind === 'inline') return;
  await ensureLoader(entry.loader).catch(() => undefined);
  if (!held) return;
  if (entry.stripsTypes) await warmTypeStripping();
  await import(PUBLIC_ENTRY).catch(() => undefined);
}

/** Load the function a thread runs, from its module or its inline source. */
export async function loadThreadFunction(name: string, entry: ThreadEntrySpec): Promise<ThreadFunction> {
  if (entry.kind === 'inline') return compileInline(name, entry.source, entry.origin);
  let mod: unknown;
  try {
    await ensureLoader(entry.loader);
    mod = await import(entry.specifier);
  } catch (err) {
    throw loadFailure(`Thread "${name}" could not load its module ${entry.specifier}`, err, entry.specifier, entry.loader);
  }
  const definition = findDefinition(mod);
  if (!definition) {
    throw new DaebusError(
      ErrorCodes.THREAD_LOAD_FAILED,
      `Thread "${name}": module ${entry.specifier} has no default export made with defineThread().${threadExportAdvice(mod)}`,
    );
  }
  return definition.fn;
}

// An ES module's default, or a CommonJS module whose `exports.default` was set (compiled TS).
function findDefinition(mod: unknown): { fn: ThreadFunction } | undefined {
  const candidates = [mod, (mod as { default?: unknown } | null)?.default];
  const nested = (candidates[1] as { default?: unknown } | null | undefined)?.default;
  candidates.push(nested);
  return candidates.find(isThreadDefinition);
}

/**
 * Inline source was checked at registration; here it only becomes a function again, named after
 * the file and place it was written at (when the main side found them), so that its stack traces
 * name the user's lines; else `inline-thread:name`, lines counted from the function's first.
 * Global (indirect) eval rather than vm: code vm compiles cannot `import()` without an
 * experimental flag or loader, and an inline thread loads its modules with `await import(...)`.
 * The source is placed at its line and column by padding, and named by a sourceURL comment.
 */
function compileInline(name: string, source: string, origin: InlineOrigin | undefined): ThreadFunction {
  const placed = origin
    ? `${repeat('\n', origin.line - 1)}${repeat(' ', origin.column - 1)}${source}\n//# sourceURL=${sourceUrl(origin.file)}`
    : `${source}\n//# sourceURL=inline-thread:${encodeURIComponent(name)}`;
  let fn: unknown;
  try {
    fn = globalEval(placed);
  } catch (err) {
    throw new DaebusError(
      ErrorCodes.THREAD_NOT_SHIPPABLE,
      `Inline thread "${name}" could not be compiled in its worker: ${describe(err)}`,
      {
        cause: err,
      },
    );
  }
  if (typeof fn !== 'function') {
    throw new DaebusError(ErrorCodes.THREAD_NOT_SHIPPABLE, `Inline thread "${name}" did not compile to a function.`);
  }
  return fn as ThreadFunction;
}

/** `text` `count` times; none for a count that is not a positive number (a place found wrong must not fail the start). */
function repeat(text: string, count: number): string {
  return Number.isSafeInteger(count) && count > 0 ? text.repeat(count) : '';
}

// the global scope, not this module's: the source sees no variable of ours
const globalEval = eval;

/** A sourceURL ends at whitespace: a path with a space in it is named by its file URL. */
function sourceUrl(file: string): string {
  return /\s/.test(file) && !file.includes('://') ? pathToFileURL(file).href : file;
}

/**
 * An inline function runs in a worker where the file that registered it does not exist: a
 * ReferenceError there almost always means it used a variable of that file.
 */
export function explainInlineError(name: string, err: unknown): unknown {
  const notFound = unresolvedImport(err);
  if (notFound?.startsWith('node:')) {
    const message = `Inline thread "${name}" imports "${notFound}", which is no module of Node's: check its name.`;
    return new DaebusError(ErrorCodes.THREAD_INLINE_SCOPE, message, { cause: err, details: { specifier: notFound } });
  }
  if (notFound !== undefined) {
    return new DaebusError(
      ErrorCodes.THREAD_INLINE_SCOPE,
      `Inline thread "${name}" imports "${notFound}", which is not found from its worker: an inline thread's import() ` +
        "resolves names from the daebus package's own folder, not from the file that registered it (a package of yours " +
        'is found there only when the package manager hoists it). Register a module made with defineThread() instead, or ' +
        "import by a resolved URL: pass import.meta.resolve('pkg') in the workerData option and import(t.workerData.url).",
      { cause: err, details: { specifier: notFound } },
    );
  }
  if (!(err instanceof ReferenceError)) return err;
  const match = /^(\S+) is not defined$/.exec(err.message);
  if (!match) return err;
  const variable = match[1] as string;
  const helper = compilerHelperIn(variable);
  if (helper !== undefined) {
    return new DaebusError(ErrorCodes.THREAD_NOT_SHIPPABLE, compilerHelperAdvice(`Inline thread "${name}"`, helper), {
      cause: err,
      details: { helper },
    });
  }
  if (variable === 'require') {
    // CommonJS output turned the function's import() into a require() call
    return new DaebusError(
      ErrorCodes.THREAD_INLINE_SCOPE,
      commonJsImportAdvice(`Inline thread "${name}"`, '"require", which is not defined in its worker'),
      {
        cause: err,
        details: { variable },
      },
    );
  }
  if (COVERAGE_COUNTER.test(variable)) {
    return new DaebusError(
      ErrorCodes.THREAD_INLINE_SCOPE,
      `Inline thread "${name}" uses "${variable}", a coverage counter: coverage instrumentation (istanbul, as in ` +
        'jest --coverage, vitest --coverage with the istanbul provider, or nyc) rewrote the function to count into ' +
        'a variable of the file that registered it, which its worker does not have. Put /* istanbul ignore next */ ' +
        "just before the function, register a module made with defineThread() instead, or collect coverage with V8 (jest's " +
        "coverageProvider: 'v8', vitest's coverage.provider: 'v8').",
      { cause: err, details: { variable } },
    );
  }
  return new DaebusError(
    ErrorCodes.THREAD_INLINE_SCOPE,
    `Inline thread "${name}" uses "${variable}", which is not defined inside the function. ` +
      'An inline thread function is sent to its worker as source text and cannot see the variables, ' +
      'imports or functions of the file that registered it. Define it inside the function, pass data ' +
      'with the workerData option (t.workerData), use t.log / t.sleep instead of imported helpers, ' +
      'load node: modules with `await import(...)` inside the function (in an ES module build), or register a module made with defineThread().' +
      (MINIFIED.test(variable) ? MINIFIED_ADVICE : ''),
    { cause: err, details: { variable } },
  );
}

/** A name this short is most often a minifier's, for a variable or helper of the file. */
const MINIFIED = /^[A-Za-z_$][\w$]?$/;
const MINIFIED_ADVICE =
  ' A name this short usually comes from a minifier (esbuild --minify, terser): it renamed the variables and helpers of ' +
  "the file (such as --keep-names' naming helper), which the worker does not have. Register a module made with " +
  'defineThread(), which is loaded as a file, or leave the file that registers the thread unminified.';

/** The counter function istanbul (istanbul-lib-instrument) names after a hash of the file: `cov_26mhgy1k64`. */
const COVERAGE_COUNTER = /^cov_[a-z0-9]+$/;

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * THREAD_LOAD_FAILED for a module that would not load (`loader`: the tsx it was loaded with, if
 * any). The user's own error (its stack names their file and line) travels in `details.cause`: a
 * worker's error reaches the main side without its `cause`, but with its plain fields.
 */
export function loadFailure(what: string, err: unknown, specifier?: string, loader?: string): DaebusError {
  const cause = err as { name?: unknown; message?: unknown; stack?: unknown } | null;
  const site = specifier === undefined ? undefined : syntaxErrorSite(specifier, err);
  const where = site === undefined ? '' : ` (at ${site.split('\n')[0] as string})`;
  const advice = specifier === undefined ? '' : typeStrippingAdvice(specifier, loader, err);
  return new DaebusError(ErrorCodes.THREAD_LOAD_FAILED, `${what}: ${describe(err)}${where}${advice}`, {
    cause: err,
    details: {
      cause: {
        name: typeof cause?.name === 'string' ? cause.name : 'Error',
        // a system error's code (EMFILE: no file descriptor free) tells a load worth trying again
        ...(typeof (cause as { code?: unknown } | null)?.code === 'string' ? { code: (cause as { code: string }).code } : {}),
        message: describe(err),
        ...(typeof cause?.stack === 'string'
          ? { stack: site === undefined || cause.stack.startsWith(site) ? cause.stack : `${site}\n\n${cause.stack}` }
          : {}),
      },
    },
  });
}

/** The specifier of an import() the worker's own file could not resolve (one of the inline function's, not a package's own). */
function unresolvedImport(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  // a mistyped built-in (`node:fss`): found from nowhere
  if (code === 'ERR_UNKNOWN_BUILTIN_MODULE') return /(node:\S+)$/.exec(String((err as Error).message))?.[1];
  if (code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  const match = /^Cannot find (?:package|module) '([^']+)' imported from (.+?)\s*$/m.exec(String((err as Error).message));
  return match && /[\\/]worker-entry\.m?js$/.test(match[2] as string) ? match[1] : undefined;
}
