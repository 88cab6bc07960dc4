import { misplacedDefinition } from '../../shared/definition-brands';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { InlineOrigin, ThreadEntrySpec } from '../../shared/protocol/thread';
import type { ThreadFunction } from '../../thread/define';
import type { AnyMessages } from '../../shared/contract';
import { compilerHelperAdvice, compilerHelperIn, handedOnAdvice, handedOnTo } from '../../shared/compiler-helpers';
import { workerModule } from '../workers/module-path';
import { checkWorkerFiles } from '../workers/worker-path';
import { inlineOrigin } from './inline-origin';

/**
 * What `app.thread(name, entry)` accepts: a module path or URL, or a self-contained function
 * (its `t` is the thread's context, typed without an annotation; `Data`, its `workerData`;
 * `Messages`, what `t.on` handles, as `app.thread<Messages>()` gives them).
 */
export type ThreadEntry<Data = unknown, Messages extends object = AnyMessages> = string | URL | ThreadFunction<Data, Messages>;

/** Turn a registration's `entry` into what the worker loads; throws at registration when it cannot work. */
export function toEntrySpec(name: string, entry: ThreadEntry, written?: InlineOrigin): ThreadEntrySpec {
  if (typeof entry === 'function') {
    checkWorkerFiles(); // a module entry checks them as it resolves its path
    const text = Function.prototype.toString.call(entry);
    const source = inlineSource(name, text);
    const at = written ?? inlineOrigin(entry);
    return at ? { kind: 'inline', ...placed(source, text, at) } : { kind: 'inline', source };
  }
  if (entry instanceof URL || (typeof entry === 'string' && entry.length > 0)) {
    return { kind: 'module', ...workerModule(`Thread "${name}"`, entry) };
  }
  throw new DaebusError(
    ErrorCodes.INVALID_OPTION,
    `Thread "${name}": entry must be a module path, a file URL or a function (running, t) => { ... } (got ${typeof entry}).` +
      definitionAdvice(name, entry),
  );
}

/** For a declaration given where its function or its file belongs (by their registered brands: any copy of the library). */
function definitionAdvice(name: string, entry: unknown): string {
  const declared = misplacedDefinition(entry);
  if (declared === 'defineThread')
    return (
      ` A defineThread() value is a thread module's default export: give that module's path (app.thread('${name}', './file.js')), ` +
      'or the function itself, without defineThread, inline.'
    );
  if (declared === 'defineHandler')
    return " A defineHandler() value is a pooled action's export: register it with app.action(name, { module, export }).";
  return '';
}

/**
 * The shipped source and where the worker places it, so that the function's text lands on the
 * line and column it was written at (its stack traces then name the user's). The source wraps the
 * text (`(` before a function, `Object.values({ ` before a method): placed that many columns
 * before it. Text written nearer the left edge than that (a top-level `function f() {}`, a method
 * indented two spaces) has the wrapper end a line above it, the text on its own line after as
 * many spaces as it is indented; on a file's first line, the first line's columns are off by the
 * wrapper's width instead.
 */
function placed(source: string, text: string, at: InlineOrigin): { source: string; origin: InlineOrigin } {
  const wrapper = source.indexOf(text);
  if (at.column > wrapper) return { source, origin: { ...at, column: at.column - wrapper } };
  if (at.line <= 1) return { source, origin: { ...at, column: 1 } };
  const indent = ' '.repeat(Math.max(0, at.column - 1));
  return { source: `${source.slice(0, wrapper)}\n${indent}${source.slice(wrapper)}`, origin: { ...at, line: at.line - 1, column: 1 } };
}

/**
 * tsx (esbuild's keepNames) names a function's inner functions and classes with `__name(fn, "x")`,
 * a helper defined in the compiled file, not in the function: the shipped source brings its own.
 */
const KEEPS_NAMES = /\b__name\(/;
const NAME_HELPER = '(fn, name) => Object.defineProperty(fn, "name", { value: name, configurable: true })';

/**
 * Source text of an inline thread function, checked now so that a function that cannot be
 * shipped fails at registration. Method shorthand (`run(running) { ... }`) is wrapped in an object.
 */
function inlineSource(name: string, text: string): string {
  const helper = compilerHelperIn(text);
  if (helper !== undefined) {
    throw new DaebusError(ErrorCodes.THREAD_NOT_SHIPPABLE, compilerHelperAdvice(`Thread "${name}"`, helper), { details: { helper } });
  }
  const variable = handedOnTo(text);
  if (variable !== undefined) {
    throw new DaebusError(ErrorCodes.THREAD_NOT_SHIPPABLE, handedOnAdvice(`Thread "${name}"`, variable), { details: { helper: variable } });
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    throw new DaebusError(
      ErrorCodes.THREAD_NOT_SHIPPABLE,
      `Thread "${name}": a native or bound function cannot be sent to a worker as source. Pass a plain function literal, or a module made with defineThread().`,
    );
  }
  for (const candidate of [`(${text})`, `Object.values({ ${text} })[0]`]) {
    try {
      // Compiles without running: the function body is only evaluated when called.
      new Function(`return ${candidate};`);
      return KEEPS_NAMES.test(text) ? `((__name) => ${candidate})(${NAME_HELPER})` : candidate;
    } catch {
      // try the next form
    }
  }
  throw new DaebusError(
    ErrorCodes.THREAD_NOT_SHIPPABLE,
    `Thread "${name}": the function's source text cannot be compiled on its own. Pass a plain function literal, or a module made with defineThread().`,
  );
}
