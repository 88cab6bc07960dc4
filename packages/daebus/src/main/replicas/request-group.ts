import type { Redis } from 'ioredis';
import type { Logger } from '../support/logger';
import { createGroup, groupGone, leaveGroup, pruneGroup } from '../support/stream-groups';
import { REQUEST_GROUP } from './keys';
import { toPlainError } from '../../shared/errors';
import { Upkeep } from '../support/upkeep';
import type { WriteRefusals } from '../transport/write-refusals';

/**
 * The consumer group of the request stream: made at start, and made again when a group command
 * finds it gone. Redis that restarted without its data (no persistence, a failover) has lost it,
 * and a caller's request since then made the stream again without it: every read would fail with
 * NOGROUP for good, and the requests would wait in a stream no replica reads.
 */
export class RequestGroup {
  readonly #client: Redis;
  readonly #stream: string;
  readonly #log: Logger;
  /** The making-again under way: the reader and the upkeep that both found the group gone share it. */
  #restoring?: Promise<boolean>;

  constructor(client: Redis, stream: string, log: Logger) {
    this.#client = client;
    this.#stream = stream;
    this.#log = log;
  }

  /**
   * The periodic work on the stream (see Upkeep): a run that found the group gone makes it again;
   * another failure is logged, a Redis refusal once a streak (see WriteRefusals), and in an
   * outage not at all (the transport said so once already).
   */
  upkeep(refusals: WriteRefusals): Upkeep<'renewals' | 'upkeep', readonly string[]> {
    const failed = async (err: unknown, kind: 'renewals' | 'upkeep'): Promise<void> => {
      if (await this.restoreAfter(err)) return;
      if (this.#client.status === 'ready' && !refusals.refused(kind, err))
        this.#log.warn(`Request stream upkeep failed: ${toPlainError(err).message}`);
    };
    // a job resolves with the commands it ran: a refused one it did not run this time is not known to be taken
    return new Upkeep(this.#client, failed, (kind, ran) => refusals.succeeded(kind, undefined, ran));
  }

  create(): Promise<void> {
    return createGroup(this.#client, this.#stream, REQUEST_GROUP);
  }

  /** A stopping replica leaves the group, unless entries it holds wait there for another to claim. */
  leave(consumer: string): Promise<void> {
    return leaveGroup(this.#client, this.#stream, REQUEST_GROUP, consumer);
  }

  /** Remove the consumers of replicas that died, once they hold nothing (see pruneGroup); `self` stays. */
  prune(self: string, visibilityTimeoutMs: number): Promise<void> {
    return pruneGroup(this.#client, this.#stream, REQUEST_GROUP, self, visibilityTimeoutMs);
  }

  /** Who holds the pending entry `entryId` and how often it was delivered; undefined once it is confirmed (not pending). */
  async pending(entryId: string): Promise<{ consumer: string; deliveries: number } | undefined> {
    const found = (await this.#client.xpending(this.#stream, REQUEST_GROUP, entryId, entryId, 1)) as [string, string, number, number][];
    const [entry] = found;
    return entry === undefined ? undefined : { consumer: entry[1], deliveries: Number(entry[3]) };
  }

  /** When `err` says the group is gone, make it again: true once it is there again. */
  restoreAfter(err: unknown): Promise<boolean> {
    if (!groupGone(err)) return Promise.resolve(false);
    this.#restoring ??= this.#restore().finally(() => (this.#restoring = undefined));
    return this.#restoring;
  }

  async #restore(): Promise<boolean> {
    try {
      await this.create();
    } catch {
      return false; // the command that found it gone reports its failure
    }
    this.#log.warn(
      'The consumer group of the request stream was gone (Redis lost its data: a restart without persistence, a failover, or an allkeys-* memory policy evicting it): ' +
        'made it again; the requests added since are read now',
    );
    return true;
  }
}
