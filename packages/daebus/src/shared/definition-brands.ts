/**
 * The registered symbols that mark `defineThread` and `defineHandler` values: registered, so a
 * value made by another copy of the library (a worker's bundle) is recognised; here, so the main
 * side can name a declaration given where it does not belong.
 */
export const THREAD_BRAND = Symbol.for('daebus.thread');
export const HANDLER_BRAND = Symbol.for('daebus.pooledHandler');

/** Which declaration `value` is, given where a function was expected; undefined for anything else. */
export function misplacedDefinition(value: unknown): 'defineThread' | 'defineHandler' | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  if ((value as Record<symbol, unknown>)[THREAD_BRAND] === true) return 'defineThread';
  if ((value as Record<symbol, unknown>)[HANDLER_BRAND] === true) return 'defineHandler';
  return undefined;
}

/** What a handler (an action's, a route's) must be, said for the value given. */
export function handlerConstraint(value: unknown): string {
  const declared = misplacedDefinition(value);
  if (declared === 'defineHandler')
    return "a function, or { module, export } naming the module that exports it (a defineHandler() value is a module's export, given by its name)";
  if (declared === 'defineThread')
    return "a function (a defineThread() value is a thread module's default export: register it with app.thread())";
  return 'a function, or { module } for a handler that runs on the pool';
}
