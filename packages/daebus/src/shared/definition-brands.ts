/**
 * The registered symbols that mark `defineThread` and `defineHandler` values: registered, so a
 * value made by another copy of the library (a worker's bundle) is recognised; here, so the main
 * side can name a declaration given where it does not belong.
 */
export const THREAD_BRAND = Symbol.for('daebus.thread');
export const HANDLER_BRAND = Symbol.for('daebus.pooledHandler');
