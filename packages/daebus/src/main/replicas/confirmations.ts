import type { Redis } from 'ioredis';
import { toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { defineScript } from '../support/redis-script';
import type { WriteRefusals } from '../transport/write-refusals';
import { REQUEST_GROUP } from './keys';

/** KEYS[1] the request stream, ARGV the entry ids: acknowledged for the group, then deleted. */
const CONFIRM = `redis.call('XACK', KEYS[1], '${REQUEST_GROUP}', unpack(ARGV))
return redis.call('XDEL', KEYS[1], unpack(ARGV))`;

/** Ids per script call: Lua's `unpack` refuses a few thousand. */
const MAX_IDS = 1_000;

type ConfirmCommand = (stream: string, ...ids: string[]) => Promise<unknown>;

/**
 * Takes finished entries out of the request stream. The ids finished in one turn of the event
 * loop leave in one script call (XACK and XDEL, atomic as a script is): measured against a
 * MULTI/XACK/XDEL/EXEC per entry, it costs the service about a third of the CPU per request and
 * Redis less too, and under load many entries share a call. When the replies of those entries are
 * still held back on the same connection (`join`), the call goes out with them, in the same
 * write and after them: one system call and one wake-up for its answer fewer per turn.
 */
export class Confirmations {
  readonly #stream: string;
  readonly #log: Logger;
  readonly #confirm: ConfirmCommand;
  #ids: string[] = [];
  #scheduled?: NodeJS.Immediate;
  /** The calls sent and not yet answered, with their entry counts. */
  readonly #sent = new Map<Promise<void>, number>();
  /** The entries waiting to be sent or answered: pending in Redis still, though done here. */
  readonly #unanswered = new Set<string>();
  /** A stop gave up on the calls sent: their late failures are not logged. */
  #abandoned = false;

  /** Joins the writes held back on `client` in this turn (RedisTransport.joinHeldWrites); false when none are. */
  readonly #join: ((send: () => void) => boolean) | undefined;

  readonly #refusals: WriteRefusals;

  constructor(client: Redis, stream: string, log: Logger, refusals: WriteRefusals, join?: (send: () => void) => boolean) {
    this.#stream = stream;
    this.#refusals = refusals;
    this.#log = log;
    this.#join = join;
    this.#confirm = defineScript<ConfirmCommand>(client, 'daebusConfirmRequests', 1, CONFIRM);
  }

  /** Whether Redis refused the last confirmation (a permission): what is confirmed now stays in the stream. */
  get refused(): boolean {
    return this.#refusals.refusing('confirmations');
  }

  /** `entryId` is done: it leaves the stream with the others done in this turn. */
  add(entryId: string): void {
    this.#unanswered.add(entryId);
    if (this.#ids.push(entryId) === 1 && !this.#join?.(this.#send)) this.#scheduled = setImmediate(this.#send);
  }

  /** Whether `entryId` is done here and Redis has not answered its confirmation yet. */
  has(entryId: string): boolean {
    return this.#unanswered.has(entryId);
  }

  /** Send what waits and resolve once every call sent is answered (before the connection closes). */
  async flush(): Promise<void> {
    this.#send();
    await Promise.all(this.#sent.keys());
  }

  /** Give up on the calls not answered yet (Redis is unreachable at a stop): how many entries they carry. */
  abandon(): number {
    this.#abandoned = true;
    let entries = this.#ids.length;
    for (const count of this.#sent.values()) entries += count;
    return entries;
  }

  readonly #send = (): void => {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const ids = this.#ids;
    this.#ids = [];
    for (let i = 0; i < ids.length; i += MAX_IDS) {
      const chunk = ids.length <= MAX_IDS ? ids : ids.slice(i, i + MAX_IDS);
      const call = this.#confirm(this.#stream, ...chunk).then(
        () => this.#refusals.succeeded('confirmations'),
        (err: unknown) => {
          if (this.#abandoned || this.#refusals.refused('confirmations', err)) return;
          this.#log.warn(
            `Could not confirm ${chunk.length === 1 ? `request ${chunk[0]}` : `${chunk.length} requests`}: ${toPlainError(err).message}; ` +
              'a request not confirmed runs again once its visibility timeout passes.',
          );
        },
      );
      this.#sent.set(call, chunk.length);
      void call.then(() => {
        this.#sent.delete(call);
        for (const id of chunk) this.#unanswered.delete(id);
      });
    }
  };
}
