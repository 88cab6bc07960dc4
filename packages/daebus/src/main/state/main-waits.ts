import { currentScope, type Scope } from '../rpc/context';
import { LocalTake } from './local-take';
import type { QueueCore } from './queue-core';

/**
 * The main side's queue takes (`get`, `receive` of actions, routes, tasks, the service's own
 * code) during a stop. Those made outside any handler's async context (WebSocket handlers, the
 * service's own code) end with no item once the HTTP and WebSocket servers have drained; all of
 * them once the requests' drain ends, before the threads stop; new ones then end at once until the
 * stop is over. A handler whose answer no one will read takes nothing from then on
 * (LocalTake.alive). Before, a handler given up on was still waiting, and an item a stopping
 * thread put (its unfinished job, handed back in `onStop`) went to it and, its answer dropped,
 * was lost.
 */
export class MainWaits {
  #ended: 'none' | 'unscoped' | 'all' = 'none';
  /** How to end each service-wide take the main side waits on, with the scope it was made in (an in-process one is a LocalTake in its queue). */
  readonly #cancels = new Map<() => void, Scope | undefined>();

  /**
   * True once this phase of a stop ended the takes of the scope it is asked from, and for a
   * handler whose answer no one will read (Scope.dropped: an HTTP request answered 503 while
   * actions still drain, or 504): a take then gets no item.
   */
  refuses(scope: Scope | undefined): boolean {
    return this.#ended === 'all' || (scope === undefined ? this.#ended === 'unscoped' : scope.dropped === true);
  }

  /** An in-process take of the main side, made in the caller's async context (read once); no item when `refuses`. */
  takeLocal(queue: QueueCore, timeoutMs: number, receive: boolean): Promise<unknown> {
    const scope = currentScope();
    if (this.refuses(scope)) return Promise.resolve(undefined);
    return new Promise((resolve) => queue.take(timeoutMs, new LocalTake(resolve, receive, scope)));
  }

  /**
   * A service-wide take's result (none when `refuses`); its wait ends with no item when its phase
   * of the stop comes, and an item read for a handler dropped meanwhile goes back (`left`).
   */
  async track<T>(start: (left: () => boolean) => { result: Promise<T | undefined>; cancel: () => void }): Promise<T | undefined> {
    const scope = currentScope();
    if (this.refuses(scope)) return undefined;
    const take = start(() => scope?.dropped === true);
    this.#cancels.set(take.cancel, scope);
    try {
      return await take.result;
    } finally {
      this.#cancels.delete(take.cancel);
    }
  }

  /** End the main side's takes waiting (`unscoped`: only those made outside any handler), and refuse new ones, until `stopped`. */
  end(queues: Iterable<QueueCore>, unscoped = false): void {
    if (this.#ended !== 'all') this.#ended = unscoped ? 'unscoped' : 'all';
    for (const queue of queues) queue.endWaits((receiver) => receiver instanceof LocalTake && (!unscoped || receiver.unscoped));
    for (const [cancel, scope] of [...this.#cancels]) if (!unscoped || scope === undefined) cancel();
  }

  /**
   * The stop is over: what still waits ends, the joins too (with false), as a stopping thread's
   * waits do: no thread is left to put or finish what they wait for, and a wait of minutes would
   * keep the process alive. Later ones wait as usual (the service may be started again).
   */
  stopped(queues: QueueCore[]): void {
    this.end(queues);
    for (const queue of queues) queue.endJoins();
    this.#ended = 'none';
  }
}
