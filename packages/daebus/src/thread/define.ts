import { define, isDefinition, type Definition } from './brand';
import type { ThreadContext } from './context';

/** The function a thread runs: loop while `running()` is true; return (or resolve) to finish. */
export type ThreadFunction = (running: () => boolean, t: ThreadContext) => unknown;

export type ThreadDefinition = Definition<ThreadFunction>;

const THREAD = Symbol.for('daebus.thread');

/**
 * Declare a thread's body; use it as a module's default export:
 * `export default defineThread(async (running, t) => { while (running()) { ... } })`.
 */
export function defineThread(fn: ThreadFunction): ThreadDefinition {
  return define(THREAD, 'defineThread(fn)', fn);
}

export function isThreadDefinition(value: unknown): value is ThreadDefinition {
  return isDefinition(THREAD, value);
}
