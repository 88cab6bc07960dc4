import { checker } from '../shared/validate';
import type { ThreadContext } from './context';

/** The function a thread runs: loop while `running()` is true; return (or resolve) to finish. */
export type ThreadFunction = (running: () => boolean, t: ThreadContext) => unknown;

/** Brand shared by every copy of the library, so a module loaded twice is still recognised. */
const THREAD_BRAND = Symbol.for('daebus.thread');

export interface ThreadDefinition {
  readonly [THREAD_BRAND]: true;
  readonly fn: ThreadFunction;
}

/**
 * Declare a thread's body; use it as a module's default export:
 * `export default defineThread(async (running, t) => { while (running()) { ... } })`.
 */
export function defineThread(fn: ThreadFunction): ThreadDefinition {
  checker('defineThread(fn)', 'INVALID_ARGUMENT').fn('fn', fn);
  return { [THREAD_BRAND]: true, fn };
}

export function isThreadDefinition(value: unknown): value is ThreadDefinition {
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as Record<symbol, unknown>)[THREAD_BRAND] === true &&
    typeof (value as { fn?: unknown }).fn === 'function'
  );
}
