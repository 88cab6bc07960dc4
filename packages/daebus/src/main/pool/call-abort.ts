/**
 * How one pooled call is aborted (its timeout, or shutdown): the event-emitter form of signal
 * that piscina takes beside an AbortSignal (`aborted`, `reason`, `once` and `off` of 'abort';
 * piscina 5 calls `removeListener`, its types name `off`: both are here). A call has one listener, piscina's; Node's AbortController and EventTarget cost
 * 5-10 µs per call here, more than the rest of the pooled call's main-side bookkeeping.
 */
export class CallAbort {
  aborted = false;
  reason: unknown = undefined;
  #listener: (() => void) | undefined;

  once(event: 'abort', listener: () => void): void {
    if (event === 'abort') this.#listener = listener;
  }

  off(event: 'abort', listener: () => void): void {
    if (event === 'abort' && this.#listener === listener) this.#listener = undefined;
  }

  removeListener(event: 'abort', listener: () => void): void {
    this.off(event, listener);
  }

  /** Abort once: the listener runs (piscina rejects the call and stops the worker running it). */
  abort(reason: Error): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.();
  }
}
