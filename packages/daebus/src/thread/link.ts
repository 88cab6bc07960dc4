import { DaebusError, ErrorCodes, fromPlainError, toPlainError } from '../shared/errors';
import type { MainToThread, MessageSink, ThreadToMain } from '../shared/protocol';
import type { StateCall } from '../shared/state-ops';
import type { ThreadLogger } from './log';

/** A handler for messages sent to this thread with `app.thread(name).request/post`. */
export type MessageHandler = (payload: unknown) => unknown;

type Pending = { resolve: (value: unknown) => void; reject: (err: Error) => void };

/**
 * The worker's end of the framework port: calls to the main side (shared state, broadcasts)
 * with their replies matched by id, and the thread's handlers for messages sent to it.
 */
export class MainLink {
  readonly #port: MessageSink<ThreadToMain>;
  readonly #log: ThreadLogger;
  readonly #pending = new Map<number, Pending>();
  readonly #handlers = new Map<string, MessageHandler>();
  #nextId = 1;

  constructor(port: MessageSink<ThreadToMain>, log: ThreadLogger) {
    this.#port = port;
    this.#log = log;
  }

  stateCall(call: StateCall): Promise<unknown> {
    return this.#call((id) => ({ type: 'state', id, call }), `${call.kind} "${call.name}"`);
  }

  broadcast(channel: string, payload: unknown): Promise<number> {
    return this.#call((id) => ({ type: 'broadcast', id, channel, payload }), `broadcast on "${channel}"`) as Promise<number>;
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

  /** Route one message from the main side (other than `stop`, handled by the runtime). */
  receive(message: Exclude<MainToThread, { type: 'stop' }>): void {
    switch (message.type) {
      case 'state-result': {
        // Confirm a queue item first: until then the main side keeps it, in case this thread dies.
        if (message.ack) this.#send({ type: 'ack', id: message.id });
        const pending = this.#pending.get(message.id);
        if (!pending) return;
        this.#pending.delete(message.id);
        if (message.ok) pending.resolve(message.value);
        else pending.reject(fromPlainError(message.error));
        return;
      }
      case 'request':
        void this.#answer(message.id, message.name, message.payload);
        return;
      case 'post':
        void this.#handlePost(message.name, message.payload);
        return;
    }
  }

  #call(build: (id: number) => ThreadToMain, what: string): Promise<unknown> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.#port.postMessage(build(id));
      } catch (err) {
        reject(notCloneable(what, err));
        return;
      }
      this.#pending.set(id, { resolve, reject });
    });
  }

  async #answer(id: number, name: string, payload: unknown): Promise<void> {
    const handler = this.#handlers.get(name);
    if (!handler) {
      const known = [...this.#handlers.keys()];
      const error = new DaebusError(
        ErrorCodes.NO_HANDLER,
        `This thread has no handler for "${name}"${known.length ? ` (it handles: ${known.join(', ')})` : ''}; register one with t.on("${name}", handler).`,
      );
      this.#send({ type: 'reply', id, ok: false, error: toPlainError(error) });
      return;
    }
    let outcome: ThreadToMain;
    try {
      outcome = { type: 'reply', id, ok: true, value: await handler(payload) };
    } catch (err) {
      outcome = { type: 'reply', id, ok: false, error: toPlainError(err) };
    }
    try {
      this.#port.postMessage(outcome);
    } catch (err) {
      this.#send({ type: 'reply', id, ok: false, error: toPlainError(notCloneable(`the reply to "${name}"`, err)) });
    }
  }

  async #handlePost(name: string, payload: unknown): Promise<void> {
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

  #send(message: ThreadToMain): void {
    this.#port.postMessage(message);
  }
}

function notCloneable(what: string, err: unknown): DaebusError {
  return new DaebusError(
    ErrorCodes.NOT_CLONEABLE,
    `${what}: the value cannot cross to the main thread (${toPlainError(err).message}). Send plain data: objects, arrays, strings, numbers, Maps, Dates; no functions or class instances with private fields.`,
    { cause: err },
  );
}
