import { EventEmitter } from 'node:events';
import { isThenable } from '../../shared/thenable';

type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * An EventEmitter whose event names and listener arguments are checked by the compiler. A
 * listener that throws, or an async one that rejects, is reported through `onListenerError`,
 * never into the emitter's caller (nor left as an unhandled rejection, which ends a process).
 */
export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  readonly #emitter = new EventEmitter();
  readonly #onListenerError: (event: string, err: unknown) => void;

  constructor(onListenerError: (event: string, err: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /**
   * Call `listener` each time `event` is emitted (on an app: the thread events `start`, `exit`,
   * `restart`, `failed`, `stop`, `stalled`, `unstalled`). A listener that throws (or rejects) is logged.
   * @example app.on('failed', (e) => console.error(`thread ${e.name} failed: ${e.why}`));
   */
  on<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.on(event, listener as Listener<unknown[]>);
    return this;
  }

  /** Call `listener` the next time `event` is emitted, then remove it. */
  once<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.once(event, listener as Listener<unknown[]>);
    return this;
  }

  /** Remove `listener` (added with `on` or `once`) from `event`. */
  off<K extends keyof E & string>(event: K, listener: Listener<E[K]>): this {
    this.#emitter.off(event, listener as Listener<unknown[]>);
    return this;
  }

  /** Call every listener of `event` with `args`, in order; one that throws or rejects is reported and the others still run. */
  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    // rawListeners: once() wrappers remove themselves when called
    for (const listener of this.#emitter.rawListeners(event) as Listener<E[K]>[]) {
      try {
        const returned: unknown = listener(...args);
        if (isThenable(returned)) returned.then(undefined, (err: unknown) => this.#onListenerError(event, err));
      } catch (err) {
        this.#onListenerError(event, err);
      }
    }
  }
}
