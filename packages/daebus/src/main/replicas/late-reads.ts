import type { Redis } from 'ioredis';
import type { Logger } from '../support/logger';
import { defineScript } from '../support/redis-script';
import { REQUEST_GROUP } from './keys';
import type { Entry } from './entries';
import type { ResolvedReplicaOptions } from './options';
import { monotonicMs } from '../../shared/clock';

/** KEYS[1] the request stream, ARGV this replica's consumer then entry ids: those still pending under it, their idle time reset. */
const KEEP_OURS = `local ours = {}
for i = 2, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], '${REQUEST_GROUP}', ARGV[i], ARGV[i], 1)[1]
  if pending and pending[2] == ARGV[1] then
    redis.call('XCLAIM', KEYS[1], '${REQUEST_GROUP}', ARGV[1], 0, ARGV[i], 'JUSTID')
    ours[#ours + 1] = ARGV[i]
  end
end
return ours`;

/**
 * The entries of a read answered late: this replica stopped (SIGSTOP, a frozen VM) or its event
 * loop was held while the answer waited in its socket. Past the visibility timeout, another
 * replica may have taken an entry over and run it already: it must not run here as well (as
 * attempt 1). An entry can be idle no longer than since its read was sent, nor than since it was
 * added (its id, Redis's clock); only when both exceed half the visibility timeout is Redis asked,
 * in one script call for the read, which entries are still this replica's (their idle time reset,
 * so that none is taken over before the next renewal). A read answered in time costs nothing.
 */
export class LateReads {
  readonly #keepOurs: (stream: string, consumer: string, ...ids: string[]) => Promise<string[]>;
  readonly #stream: string;
  readonly #consumer: string;
  readonly #halfMs: number;
  readonly #serverNow: () => number;
  readonly #log: Logger;

  /** `id`: this replica's consumer in the group of `stream`. */
  constructor(init: { client: Redis; stream: string; id: string; options: ResolvedReplicaOptions; serverNow: () => number; log: Logger }) {
    this.#keepOurs = defineScript(init.client, 'daebusKeepOurRequests', 1, KEEP_OURS);
    this.#stream = init.stream;
    this.#consumer = init.id;
    this.#halfMs = init.options.visibilityTimeoutMs / 2;
    this.#serverNow = init.serverNow;
    this.#log = init.log;
  }

  /** The entries of a read sent at `sentAt` that may have been taken over (none when it was answered in time). */
  suspect(sentAt: number, entries: Entry[]): Entry[] {
    if (monotonicMs() - sentAt <= this.#halfMs) return [];
    const now = this.#serverNow();
    return entries.filter(([id]) => now - Number(id.split('-')[0]) > this.#halfMs);
  }

  /** Those of `ids` still pending under this replica, their idle time reset (one script call). */
  async ours(ids: readonly string[]): Promise<Set<string>> {
    return new Set(await this.#keepOurs(this.#stream, this.#consumer, ...ids));
  }

  /** The ids among `suspect` entries that another replica took over (or finished) meanwhile: not to run here. */
  async takenOver(suspect: Entry[], sentAt: number): Promise<Set<string>> {
    const ours = await this.ours(suspect.map(([id]) => id));
    const lost = new Set(suspect.map(([id]) => id).filter((id) => !ours.has(id)));
    if (lost.size > 0)
      this.#log.warn(
        `A read of the request stream was answered ${Math.round(monotonicMs() - sentAt)} ms after it was sent (this replica's event loop was blocked, ` +
          `or its process stopped): ${lost.size} request(s) it brought were taken over by another replica meanwhile: they run there, not here. ` +
          'Run long synchronous work on the pool.',
      );
    return lost;
  }
}
