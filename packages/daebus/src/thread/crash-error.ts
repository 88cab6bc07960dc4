/**
 * What a thread's crash sends to the supervisor must survive the copy to the main thread. Node
 * copies an uncaught error with its own fields only, and a DOMException (an AbortSignal's
 * reason, a fetch's abort) keeps its name and message on getters: on Node 20 the supervisor got
 * `{}` ("[object Object]"), on Node 24 an empty message. It is sent as a plain Error instead.
 */
export function copyableError(err: unknown): unknown {
  if (typeof DOMException === 'undefined' || !(err instanceof DOMException)) return err;
  const copy = new Error(err.message);
  copy.name = err.name;
  if (err.stack !== undefined) copy.stack = err.stack;
  return copy;
}

/**
 * An unhandled rejection still crashes the thread, as Node's default does, with its reason made
 * copyable. When the user's code listens for unhandled rejections itself, it decides instead.
 */
export function crashOnUnhandledRejections(): void {
  const crash = (reason: unknown): void => {
    if (process.listenerCount('unhandledRejection') > 1) return;
    throw copyableError(reason);
  };
  process.on('unhandledRejection', crash);
}
