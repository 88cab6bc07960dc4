import type { Redis } from 'ioredis';
import { monotonicMs } from '../../shared/clock';
import type { Logger } from '../support/logger';
import { REQUEST_GROUP } from './keys';
import type { ResolvedReplicaOptions } from './options';

/**
 * The entries this replica holds: handed to the dispatcher (running, or waiting for a slot) and
 * not yet confirmed or handed back. Their idle time is reset every third of the visibility
 * timeout, so that another replica takes over only the entries of one that stopped renewing
 * them. One that stalled (its event loop held, its process stopped) past the visibility timeout
 * may have lost some meanwhile: after a renewal late by more than half of it, the entries are
 * renewed only when still this replica's (a plain claim would take one back from the replica now
 * running it), and the others are let go; one not started here then runs on the other only.
 */
export class HeldEntries {
  readonly #ids = new Set<string>();
  readonly #client: Redis;
  readonly #stream: string;
  readonly #consumer: string;
  readonly #halfMs: number;
  /** Those of the ids still pending under this replica, their idle time reset. */
  readonly #ours: (ids: readonly string[]) => Promise<Set<string>>;
  readonly #log: Logger;
  /** When the last renewal that succeeded was sent (monotonic ms). */
  #renewedAt = monotonicMs();
  #checking?: Promise<void>;

  /** `id`: this replica's consumer in the group of `stream`; `late.ours` asks Redis which entries are still its own. */
  constructor(init: {
    client: Redis;
    stream: string;
    id: string;
    options: ResolvedReplicaOptions;
    late: { ours(ids: readonly string[]): Promise<Set<string>> };
    log: Logger;
  }) {
    this.#client = init.client;
    this.#stream = init.stream;
    this.#consumer = init.id;
    this.#halfMs = init.options.visibilityTimeoutMs / 2;
    this.#ours = (ids) => init.late.ours(ids);
    this.#log = init.log;
  }

  get size(): number {
    return this.#ids.size;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string): void {
    this.#ids.add(id);
  }

  delete(id: string): void {
    this.#ids.delete(id);
  }

  /** False when the last renewal is more than half the visibility timeout old: another replica may hold some now. */
  fresh(): boolean {
    return monotonicMs() - this.#renewedAt <= this.#halfMs;
  }

  /**
   * Whether `id` is still held here; after a stall, once Redis said which are (one call, whoever
   * asks). Redis unreachable, it counts as held (at least once): no other replica could take it either.
   */
  stillHeld(id: string): boolean | Promise<boolean> {
    if (this.fresh()) return this.#ids.has(id);
    const held = (): boolean => this.#ids.has(id);
    return this.check().then(held, held);
  }

  /** Reset the idle time of the entries held (every third of the visibility timeout); resolves with the commands it sent. */
  async renew(): Promise<readonly string[]> {
    if (this.#ids.size === 0) {
      this.#renewedAt = monotonicMs(); // nothing to lose: the next entry read is fresh
      return [];
    }
    if (!this.fresh()) return this.check().then(() => ['evalsha', 'eval']);
    const sentAt = monotonicMs();
    await this.#client.xclaim(this.#stream, REQUEST_GROUP, this.#consumer, 0, ...this.#ids, 'JUSTID');
    this.#renewedAt = sentAt;
    return ['xclaim'];
  }

  /** Renew the entries still this replica's, and let go of the others. */
  check(): Promise<void> {
    this.#checking ??= (async () => {
      const sentAt = monotonicMs();
      const lateMs = sentAt - this.#renewedAt;
      const ids = [...this.#ids];
      const ours = ids.length > 0 ? await this.#ours(ids) : new Set<string>();
      const lost = ids.filter((id) => !ours.has(id) && this.#ids.has(id));
      for (const id of lost) this.#ids.delete(id);
      this.#renewedAt = sentAt;
      if (lost.length > 0)
        this.#log.warn(
          `This replica renewed its requests ${Math.round(lateMs)} ms after the last time (its event loop was blocked, or its process ` +
            `stopped): ${lost.length} of them were taken over by another replica meanwhile; those not started here run there only. ` +
            'Run long synchronous work on the pool.',
        );
    })().finally(() => (this.#checking = undefined));
    return this.#checking;
  }
}
