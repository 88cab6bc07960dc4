import type { Redis } from 'ioredis';
import { createGroup, groupGone } from '../../support/stream-groups';

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
    // at 0: the items put since Redis restarted empty are delivered (see createGroup)
    await createGroup(this.#client, this.#key(name), GROUP);
    this.#known.add(name);
  }
}
