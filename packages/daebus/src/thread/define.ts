import type { AnyMessages } from '../shared/contract';
import { THREAD_BRAND } from '../shared/definition-brands';
import { define, isDefinition, type Definition } from './brand';
import type { ThreadContext } from './context';

/**
 * The function a thread runs: loop while `running()` is true; return (or resolve) to finish.
 * Written as a method's type: its `t` is compared both ways, so a function (or definition) typed
 * with a thread's messages passes where an untyped one is expected.
 */
export type ThreadFunction<Data = unknown, Messages extends object = AnyMessages> = {
  thread(running: () => boolean, t: ThreadContext<Data, Messages>): unknown;
}['thread'];

/** A thread's body, as a module's default export. `Messages` is kept for `app.thread<Messages>()`. */
export type ThreadDefinition<Data = unknown, Messages extends object = AnyMessages> = Definition<ThreadFunction<Data, Messages>>;

/**
 * Declare a thread's body; use it as a module's default export:
 * `export default defineThread(async (running, t) => { while (running()) { ... } })`.
 * `defineThread<Data, Messages>(...)` types `t.workerData` and the messages of `t.on`.
 */
export function defineThread<Data = unknown, Messages extends object = AnyMessages>(
  fn: ThreadFunction<Data, Messages>,
): ThreadDefinition<Data, Messages> {
  return define(THREAD_BRAND, 'defineThread(fn)', fn);
}

export function isThreadDefinition(value: unknown): value is ThreadDefinition {
  return isDefinition(THREAD_BRAND, value);
}
