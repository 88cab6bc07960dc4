// What a module exports, for the messages of a module registered as the wrong kind: a thread
// module used as a pooled handler, a defineThread() exported by name, a defineHandler() as a thread.
import { isThreadDefinition } from './define';
import { isHandlerDefinition } from './define-handler';

/** The module's own exports, and those of a CommonJS module compiled from TypeScript ({ default: module.exports }). */
function exportsOf(mod: unknown): [string, unknown][] {
  if (mod === null || typeof mod !== 'object') return [];
  const own = Object.entries(mod as Record<string, unknown>);
  const inner = (mod as { default?: unknown }).default;
  const nested = inner !== null && typeof inner === 'object' && !isThreadDefinition(inner) && !isHandlerDefinition(inner);
  return nested ? [...own.filter(([name]) => name !== 'default'), ...Object.entries(inner as Record<string, unknown>)] : own;
}

/** What an export is, in words a message can use. */
export function describeExport(value: unknown): string {
  if (isThreadDefinition(value)) return 'a thread definition (made with defineThread())';
  if (isHandlerDefinition(value)) return 'a pooled handler (made with defineHandler())';
  if (typeof value === 'function') return 'a plain function';
  return value === null ? 'null' : `a value of type ${typeof value}`;
}

/** The names under which the module exports thread definitions. */
export function threadExportNames(mod: unknown): string[] {
  return [...new Set(exportsOf(mod).flatMap(([name, value]) => (isThreadDefinition(value) ? [name] : [])))];
}

/** The export `name` of the module (or of its CommonJS `default`), if it has one. */
export function exportNamed(mod: unknown, name: string): { value: unknown } | undefined {
  const found = exportsOf(mod).find(([key]) => key === name);
  if (found !== undefined) return { value: found[1] };
  // an ES module's default export that is a plain object (taken above for a CommonJS module's exports) is still its default
  const own = mod !== null && typeof mod === 'object' && Object.hasOwn(mod, name);
  return own ? { value: (mod as Record<string, unknown>)[name] } : undefined;
}

/**
 * Why a thread module has no default thread definition, and what to write: a definition exported
 * by name is named (threads have no option to pick an export), another default export is described.
 */
export function threadExportAdvice(mod: unknown): string {
  const named = threadExportNames(mod).filter((name) => name !== 'default');
  const [first] = named;
  if (first !== undefined) {
    const which = named.length === 1 ? `one named ${first}` : `${named.length} named ${named.join(', ')}`;
    return (
      ` It has ${which}: a thread runs its module's default export, so make that the default ` +
      `(\`export default defineThread(...)\`, or \`export { ${first} as default }\`).`
    );
  }
  const fallback = exportNamed(mod, 'default');
  const what = fallback === undefined ? '' : ` Its default export is ${describeExport(fallback.value)}.`;
  const handler = fallback !== undefined && isHandlerDefinition(fallback.value);
  return handler
    ? `${what} Register a pooled handler with app.action(name, { module }), or make this a thread with defineThread().`
    : `${what} Write \`export default defineThread((running, t) => { ... })\` with defineThread from 'daebus/thread'.`;
}

/** Why the pooled handler module `specifier` has no handler under `exportName`, and what to do. */
export function handlerExportProblem(specifier: string, exportName: string, mod: unknown): string {
  const found = exportNamed(mod, exportName);
  if (found !== undefined && isThreadDefinition(found.value)) {
    return (
      `The pooled handler module ${specifier} exports "${exportName}" as a thread definition (made with defineThread()), ` +
      'not a handler: register the module as a thread with app.thread(name, module), or export a handler made with ' +
      "defineHandler() from 'daebus/thread' for the action."
    );
  }
  const what = found === undefined ? ' (it has no export of that name)' : `: that export is ${describeExport(found.value)}`;
  return (
    `The pooled handler module ${specifier} has no function export "${exportName}"${what}; ` +
    "export one made with defineHandler() from 'daebus/thread'."
  );
}
