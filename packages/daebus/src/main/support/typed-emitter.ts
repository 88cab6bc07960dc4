import { EventEmitter } from 'node:events';

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * An EventEmitter whose event names and listener arguments are checked by the compiler. A
 * listener that throws is reported through `onListenerError`, never into the emitter's caller.
 */
export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  readonly #emitter = new EventEmitter();
  readonly #onListenerError: (event: string, err: unknown) => void;

  constructor(onListenerError: (event: string, err: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  on<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.on(event, listener as Listener<unknown[]>);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.once(event, listener as Listener<unknown[]>);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.off(event, listener as Listener<unknown[]>);
    return this;
  }

  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    // rawListeners: once() wrappers remove themselves when called
    for (const listener of this.#emitter.rawListeners(event) as Listener<E[K]>[]) {
      try {
        listener(...args);
      } catch (err) {
        this.#onListenerError(event, err);
      }
    }
  }
}
