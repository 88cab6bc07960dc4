import { nestsTooDeep, notCloneable, tooDeep } from '../shared/cloneable';
import { DaebusError, ErrorCodes, toPlainError } from '../shared/errors';
import type { MessageSink } from '../shared/protocol/core';
import type { ThreadToMain } from '../shared/protocol/thread';
import type { ThreadLogger } from './log';

/** A handler for messages sent to this thread with `app.thread(name).request/post`. */
export type MessageHandler = (payload: unknown) => unknown;

/** A thread's handlers for the messages the main side sends it (`t.on(type, handler)`), and its replies. */
export class ThreadInbox {
  readonly #port: MessageSink<ThreadToMain>;
  readonly #log: ThreadLogger;
  readonly #handlers = new Map<string, MessageHandler>();

  constructor(port: MessageSink<ThreadToMain>, log: ThreadLogger) {
    this.#port = port;
    this.#log = log;
  }

  on(type: string, handler: MessageHandler): void {
    if (typeof type !== 'string' || type.length === 0)
      throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, 't.on(type, handler): type must be a non-empty string.');
    if (typeof handler !== 'function')
      throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `t.on("${type}", handler): handler must be a function.`);
    this.#handlers.set(type, handler);
  }

  off(type: string): void {
    this.#handlers.delete(type);
  }

  /** Answer a `request`: the handler's value or error goes back with the request's id. */
  async answer(id: number, name: string, payload: unknown): Promise<void> {
    const handler = this.#handlers.get(name);
    if (!handler) {
      const known = [...this.#handlers.keys()];
      const error = new DaebusError(
        ErrorCodes.NO_HANDLER,
        `This thread has no handler for "${name}"${known.length ? ` (it handles: ${known.join(', ')})` : ''}; register one with t.on("${name}", handler)` +
          ' before the thread function first awaits: a request that comes before its t.on() call finds none, even while the thread runs.',
      );
      this.#port.postMessage({ type: 'reply', id, ok: false, error: toPlainError(error) });
      return;
    }
    let outcome: ThreadToMain;
    try {
      const value = await handler(payload);
      // a worker can copy what the main thread cannot read back: that reply would be dropped unseen
      if (nestsTooDeep(value)) throw tooDeep(`the reply to "${name}"`, value);
      outcome = { type: 'reply', id, ok: true, value };
    } catch (err) {
      outcome = { type: 'reply', id, ok: false, error: toPlainError(err) };
    }
    try {
      this.#port.postMessage(outcome);
    } catch (err) {
      this.#port.postMessage({ type: 'reply', id, ok: false, error: toPlainError(notCloneable(`the reply to "${name}"`, err)) });
    }
  }

  /** Handle a `post`: no answer; a handler's error is logged. */
  async post(name: string, payload: unknown): Promise<void> {
    const handler = this.#handlers.get(name);
    if (!handler) {
      this.#log.warn(`Dropped a "${name}" message: this thread has no handler for it (t.on("${name}", handler)).`);
      return;
    }
    try {
      await handler(payload);
    } catch (err) {
      this.#log.error(`The handler of "${name}" messages threw: ${toPlainError(err).message}`, { error: toPlainError(err) });
    }
  }
}
