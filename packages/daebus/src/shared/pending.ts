import { DeadlineTimer, type Deadline } from './deadline-timer';
import { SoloMap } from './solo-map';

/**
 * Calls waiting for their answer, by id: the one table behind every request/reply pairing (a
 * caller's requests over the transport, the main side's requests to a thread, a worker's calls
 * to the main side). An entry settles once: by its answer, its timeout, or a failure of all.
 */
interface Entry<V, X> {
  resolve: (value: V) => void;
  reject: (err: Error) => void;
  deadline: Deadline | undefined;
  extra: X;
}

export class PendingCalls<K, V = unknown, X = undefined> {
  /** One call at a time is the common case (a sequential caller): see SoloMap. */
  readonly #entries = new SoloMap<K, Entry<V, X>>();
  /** The timeouts of every call here, on one timer (made on the first call with a timeout). */
  #deadlines: DeadlineTimer | undefined;

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Wait for the answer to `key`. With `timeoutMs`, the call fails with `timeoutError(key, extra)`
   * after that long unless it settled first (the factory can be one function for every call:
   * nothing is made per call for a timeout that never fires).
   */
  wait(key: K, extra: X, timeoutMs?: number, timeoutError?: (key: K, extra: X) => Error): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const deadline =
        timeoutMs === undefined
          ? undefined
          : (this.#deadlines ??= new DeadlineTimer()).add(timeoutMs, () => {
              this.#entries.delete(key);
              reject(timeoutError?.(key, extra) ?? new Error(`No answer within ${timeoutMs} ms.`));
            });
      this.#entries.set(key, { resolve, reject, deadline, extra });
    });
  }

  /** What was stored with `key` while it waits (a progress callback, say). */
  extra(key: K): X | undefined {
    return this.#entries.get(key)?.extra;
  }

  has(key: K): boolean {
    return this.#entries.has(key);
  }

  /** Settle `key` with its answer; false when nothing waits for it (answered, timed out). */
  resolve(key: K, value: V): boolean {
    const entry = this.#take(key);
    entry?.resolve(value);
    return entry !== undefined;
  }

  reject(key: K, err: Error): boolean {
    const entry = this.#take(key);
    entry?.reject(err);
    return entry !== undefined;
  }

  /** Fail every waiting call with the error made for it; a call for which `error` gives undefined goes on waiting. */
  rejectAll(error: (key: K, extra: X) => Error | undefined): void {
    for (const [key, entry] of this.#entries.entries()) {
      const err = error(key, entry.extra);
      if (err) this.reject(key, err);
    }
  }

  #take(key: K): Entry<V, X> | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.deadline !== undefined) this.#deadlines?.remove(entry.deadline);
    return entry;
  }
}
