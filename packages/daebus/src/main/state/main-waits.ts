import { currentScope } from '../rpc/context';
import { LocalTake } from './local-take';
import type { QueueCore } from './queue-core';

/**
 * The main side's queue takes (`get`, `receive` of actions, routes, tasks, the service's own
 * code) during a stop. They end with no item when the stop's drain ends, before the threads stop,
 * and new ones end at once until the stop is over; a handler given up on earlier (an HTTP request
 * answered 503) takes nothing from then on (LocalTake.alive). Before, an action given up on was
 * still waiting, and an item a stopping thread put (its unfinished job, handed back in `onStop`)
 * went to it and, its reply dropped, was lost.
 */
export class MainWaits {
  #ended = false;
  /** How to end each service-wide take the main side waits on (an in-process one is a LocalTake in its queue). */
  readonly #cancels = new Set<() => void>();

  /**
   * True from the drain's end to the stop's end, and for a handler whose answer no one will read
   * (Scope.dropped: an HTTP request answered 503 while actions still drain, or 504): a take then gets no item.
   */
  refuses(): boolean {
    return this.#ended || currentScope()?.dropped === true;
  }

  /**
   * A service-wide take's result (none when `refuses`); its wait ends with no item at the drain's
   * end, and an item read for a handler dropped meanwhile goes back (`left`).
   */
  async track<T>(start: (left: () => boolean) => { result: Promise<T | undefined>; cancel: () => void }): Promise<T | undefined> {
    if (this.refuses()) return undefined;
    const owner = currentScope();
    const take = start(() => owner?.dropped === true);
    this.#cancels.add(take.cancel);
    try {
      return await take.result;
    } finally {
      this.#cancels.delete(take.cancel);
    }
  }

  /** The drain ended: every main-side take waiting ends with no item, and new ones until `stopped`. */
  end(queues: Iterable<QueueCore>): void {
    this.#ended = true;
    for (const queue of queues) queue.endWaits((receiver) => receiver instanceof LocalTake);
    for (const cancel of [...this.#cancels]) cancel();
  }

  /**
   * The stop is over: what still waits ends, the joins too (with false), as a stopping thread's
   * waits do: no thread is left to put or finish what they wait for, and a wait of minutes would
   * keep the process alive. Later ones wait as usual (the service may be started again).
   */
  stopped(queues: QueueCore[]): void {
    this.end(queues);
    for (const queue of queues) queue.endJoins();
    this.#ended = false;
  }
}
