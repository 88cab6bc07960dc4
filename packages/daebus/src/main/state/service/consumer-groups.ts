import type { Redis } from 'ioredis';
import { toPlainError } from '../../../shared/errors';

/** The consumer group of every service-wide queue. */
export const GROUP = 'daebus-queue';

/**
 * The queues' consumer groups: created on a queue's first use and remembered, and created again
 * when a group command finds the group gone. Redis that restarted without its data (no
 * persistence, a failover) has lost every group; a put since then made the stream again (XADD
 * creates it) but not its group, so every read would fail with NOGROUP for good.
 */
export class ConsumerGroups {
  readonly #client: Redis;
  readonly #key: (name: string) => string;
  readonly #known = new Set<string>();

  constructor(client: Redis, key: (name: string) => string) {
    this.#client = client;
    this.#key = key;
  }

  /** The queues whose group this process made sure of. */
  names(): IterableIterator<string> {
    return this.#known.values();
  }

  forget(name: string): void {
    this.#known.delete(name);
  }

  /** Run the group command `run`; when it finds the group gone, create the group again and run it once more. */
  async with<T>(name: string, run: () => Promise<T>): Promise<T> {
    await this.ensure(name);
    try {
      return await run();
    } catch (err) {
      if (!groupGone(err)) throw err;
      this.#known.delete(name);
      await this.ensure(name);
      return run();
    }
  }

  async ensure(name: string): Promise<void> {
    if (this.#known.has(name)) return;
    // At 0, not $: the group delivers every entry the stream holds. After Redis restarted empty,
    // those are exactly the items put since (by us or another replica), which $ would skip for
    // good. Nothing delivered stays in the stream once done (it is deleted), so 0 can only
    // deliver again an item held when the old group vanished: at least once, as a dead consumer's.
    await this.#client.xgroup('CREATE', this.#key(name), GROUP, '0', 'MKSTREAM').catch((err: unknown) => {
      // another replica (or another call here) made it first
      if (!/BUSYGROUP/.test(toPlainError(err).message)) throw err;
    });
    this.#known.add(name);
  }
}

/**
 * The queue's group (or its whole stream) is not in Redis: NOGROUP from a group command, "no such
 * key" from XINFO, UNBLOCKED for a read that was waiting when the stream was deleted.
 */
function groupGone(err: unknown): boolean {
  return /^(NOGROUP|ERR no such key|UNBLOCKED)/.test(toPlainError(err).message);
}
