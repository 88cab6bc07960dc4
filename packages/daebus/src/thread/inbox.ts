import { clippedList, NAMES_LISTED } from '../shared/clipped';
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
  /** The handlers under way, by message name: a stopping thread ends once they have. */
  readonly #underWay = new Map<string, number>();
  #settled: (() => void) | undefined;
  /** Told of the handlers under way once the thread waits for them (see settled). */
  #waiting: ((what: string) => void) | undefined;

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
        `This thread has no handler for "${name}"${known.length ? ` (it handles: ${clippedList(known, NAMES_LISTED)})` : ''}; register one with t.on("${name}", handler)` +
          ' before the thread function first awaits: a request that comes before its t.on() call finds none, even while the thread runs.',
      );
      this.#port.postMessage({ type: 'reply', id, ok: false, error: toPlainError(error) });
      return;
    }
    let outcome: ThreadToMain;
    this.#began(name);
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
    } finally {
      this.#ended(name);
    }
  }

  /** Handle a `post`: no answer; a handler's error is logged. */
  async post(name: string, payload: unknown): Promise<void> {
    const handler = this.#handlers.get(name);
    if (!handler) {
      this.#log.warn(`Dropped a "${name}" message: this thread has no handler for it (t.on("${name}", handler)).`);
      return;
    }
    this.#began(name);
    try {
      await handler(payload);
    } catch (err) {
      this.#log.error(`The handler of "${name}" messages threw: ${toPlainError(err).message}`, { error: toPlainError(err) });
    } finally {
      this.#ended(name);
    }
  }

  /**
   * Resolves once no handler is under way, and a turn of the event loop brought no new message:
   * the messages the main side sent before a stop (it sends none after) are all handled then.
   * `waiting` is told which handlers it waits for (`2 "job", 1 "work"`), each time that changes.
   */
  async settled(waiting: (what: string) => void): Promise<void> {
    this.#waiting = waiting;
    if (this.#underWay.size > 0) waiting(this.#described());
    for (;;) {
      while (this.#underWay.size > 0) await new Promise<void>((resolve) => (this.#settled = resolve));
      await new Promise((resolve) => setImmediate(resolve));
      if (this.#underWay.size === 0) return;
    }
  }

  #described(): string {
    return [...this.#underWay].map(([name, n]) => `${n} "${name}"`).join(', ');
  }

  #began(name: string): void {
    this.#underWay.set(name, (this.#underWay.get(name) ?? 0) + 1);
    this.#waiting?.(this.#described());
  }

  #ended(name: string): void {
    const left = (this.#underWay.get(name) ?? 1) - 1;
    if (left > 0) this.#underWay.set(name, left);
    else this.#underWay.delete(name);
    if (this.#underWay.size === 0) this.#settled?.();
    else this.#waiting?.(this.#described());
  }
}
