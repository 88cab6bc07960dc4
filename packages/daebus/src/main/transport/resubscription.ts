import type { Redis } from 'ioredis';
import { toPlainError } from '../../shared/errors';

/** How long a refused resubscription waits before it is tried again. */
export const RESUBSCRIBE_RETRY_MS = 1_000;

/**
 * After a drop, the subscribing connection's channels are subscribed again by the transport, not
 * by ioredis: ioredis's own resubscription rejects with no one to catch it. Redis closes the
 * connections of a user whose channel permissions change, so an ACL narrowed at run time ended in
 * an unhandled rejection (a process without a handler for them crashed). A refusal is told once
 * per connection and tried again every second while that connection stays ready: an operator may
 * give the permission back.
 */
export class Resubscription {
  readonly #subscriber: Redis;
  /** Which connection's try is current: a drop and a new 'ready' start a new one, and the old one ends. */
  #generation = 0;
  /** Redis's refusal of the current try, while it lasts. */
  #refusal: Error | undefined;

  /**
   * Each time `subscriber` is ready while `wanted()`, subscribe `channels()` (read at each try):
   * `done` once Redis takes them all; `refused` hears of a connection's first refusal.
   */
  constructor(
    subscriber: Redis,
    hooks: { channels: () => string[]; wanted: () => boolean; refused: (err: Error) => void; done: () => void },
  ) {
    this.#subscriber = subscriber;
    subscriber.on('ready', () => {
      if (!hooks.wanted()) return;
      void this.#run(hooks.channels, hooks.wanted, hooks.refused).then((taken) => taken && hooks.done());
    });
  }

  async #run(channels: () => string[], wanted: () => boolean, refused: (err: Error) => void): Promise<boolean> {
    const generation = ++this.#generation;
    const current = (): boolean => generation === this.#generation && wanted() && this.#subscriber.status === 'ready';
    let told = false;
    try {
      while (current()) {
        const now = channels();
        try {
          if (now.length > 0) await this.#subscriber.subscribe(...now);
          return current();
        } catch (err) {
          if (!current()) return false;
          this.#refusal = toPlainError(err);
          if (!told) refused(this.#refusal);
          told = true;
          await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_RETRY_MS).unref());
        }
      }
      return false;
    } finally {
      // taken, dropped or stopped: no refusal to tell (a newer try keeps its own)
      if (generation === this.#generation) this.#refusal = undefined;
    }
  }

  /** Why the channels are not subscribed again yet, when Redis refused them. */
  get refusal(): Error | undefined {
    return this.#refusal;
  }

  /** End any try under way (the transport closes). */
  stop(): void {
    this.#generation++;
    this.#refusal = undefined;
  }
}
