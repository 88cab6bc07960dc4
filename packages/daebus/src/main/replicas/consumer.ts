import type { Redis } from 'ioredis';
import { toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { OutageNotice } from '../support/outage-notice';
import { settlesWithin } from '../support/timers';
import type { Upkeep } from '../support/upkeep';
import { drop, quietFailoverDetector } from '../transport/redis-connect';
import { Confirmations } from './confirmations';
import { deadLetter } from './dead-letters';
import { field, handedBack, requestLabels, takenOver, type Entry } from './entries';
import { REQUEST_GROUP, serviceKeys, type ServiceKeys } from './keys';
import { LateReads } from './late-reads';
import type { ResolvedReplicaOptions } from './options';
import { ReadGate } from './read-gate';
import { ReadHealth } from './read-health';
import { HeldEntries } from './held-entries';
import { RequestGroup } from './request-group';
import type { RequestSink } from './request-sink';
import type { LeftInRedis } from './stop-report';
import type { WriteRefusals } from '../transport/write-refusals';
import { monotonicMs } from '../../shared/clock';

const READ_BATCH = 16; // entries read from the stream at most at once

/**
 * This replica's reader of the service's durable request stream, one consumer of the group all
 * replicas share (Redis Streams: XREADGROUP hands each entry to one consumer). An entry stays
 * pending under this consumer until its handler has answered (XACK); while it runs, its idle time
 * is reset, so that only the entries of a replica that stopped answering (it died) grow idle past
 * the visibility timeout, and are then claimed by another replica (XAUTOCLAIM) and run again.
 * An entry delivered more than `maxAttempts` times goes to the dead-letter stream.
 */
export class RequestConsumer {
  readonly #client: Redis;
  readonly #reader: Redis;
  readonly #keys: ServiceKeys;
  readonly #id: string;
  readonly #options: ResolvedReplicaOptions;
  readonly #sink: RequestSink;
  readonly #log: Logger;
  readonly #serverNow: () => number;
  readonly #confirmations: Confirmations;
  readonly #group: RequestGroup;
  readonly #late: LateReads;
  readonly reads = new ReadHealth(() => this.#reader.status);
  /** Entries handed to the dispatcher and not yet acknowledged or handed back. */
  readonly #held: HeldEntries;
  /** Hand-backs sent and not answered, and those that failed during the stop. */
  readonly #handingBack = new Set<Promise<void>>();
  #handBacksFailed = 0;
  #reading = false;
  #stopping = false;
  /** The stop stopped waiting for the last read (Redis is unreachable): what it brings is not run here. */
  #readAbandoned = false;
  #loop?: Promise<void>;
  /** The reader's connection id, for CLIENT UNBLOCK; asked again after a reconnect. */
  #readerId?: number;
  readonly #gate = new ReadGate();
  #delivering = false; // an entry is being handed to the dispatcher: a hand-back now is for want of a slot
  readonly #upkeep: Upkeep<'renewals' | 'upkeep', readonly string[]>;
  readonly #deadLetters: Parameters<typeof deadLetter>[0];

  constructor(init: {
    client: Redis;
    service: string;
    id: string;
    options: ResolvedReplicaOptions;
    sink: RequestSink;
    log: Logger;
    /** The Redis server's clock (ms), to tell expired requests. */
    serverNow: () => number;
    /** Joins the writes held back on `client` in this turn (the transport's joinHeldWrites). */
    joinHeldWrites?: (send: () => void) => boolean;
    refusals: WriteRefusals;
  }) {
    this.#client = init.client;
    // a blocking read holds its connection: the reader has one of its own
    this.#reader = init.client.duplicate();
    quietFailoverDetector(this.#reader);
    new OutageNotice(init.log, "This replica's request stream reader", true).watch(this.#reader);
    // a reconnect gives it another id: CLIENT UNBLOCK must never name a stranger's
    this.#reader.on('close', () => (this.#readerId = undefined));
    this.#keys = serviceKeys(init.service);
    this.#id = init.id;
    this.#options = init.options;
    this.#sink = init.sink;
    this.#log = init.log;
    this.#serverNow = init.serverNow;
    this.#confirmations = new Confirmations(init.client, this.#keys.requests, init.log, init.refusals, init.joinHeldWrites);
    this.#group = new RequestGroup(init.client, this.#keys.requests, init.log);
    this.#upkeep = this.#group.upkeep(init.refusals);
    this.#late = new LateReads({ ...init, stream: this.#keys.requests });
    this.#held = new HeldEntries({ ...init, stream: this.#keys.requests, late: this.#late });
    this.#deadLetters = { client: init.client, keys: this.#keys, log: init.log, sink: init.sink };
    init.sink.onSlotFreed(() => this.#gate.wake());
  }

  async start(): Promise<void> {
    await this.#group.create();
    this.#readerId = Number(await this.#reader.client('ID'));
    this.#reading = true;
    this.#loop = this.#readLoop();
    const { visibilityTimeoutMs } = this.#options;
    this.#upkeep.every(Math.max(50, visibilityTimeoutMs / 3), () => this.#held.renew(), 'renewals');
    this.#upkeep.every(Math.max(100, visibilityTimeoutMs / 2), () => this.#reclaim(), 'upkeep');
  }

  /**
   * Read no more entries; resolves once the last read has returned (what it read is delivered),
   * or after `limitMs` when it has not: Redis is unreachable (ioredis holds the read until it
   * reconnects), and what that read brings stays pending, for another replica.
   */
  async stopReading(limitMs: number): Promise<void> {
    if (this.#reading) {
      this.#reading = false;
      this.#stopping = true;
      this.#gate.wake();
      // a read blocked in Redis returns at once
      if (this.#readerId !== undefined) this.#client.client('UNBLOCK', this.#readerId).catch(() => undefined);
    }
    if (this.#loop && !this.#readAbandoned && !(await settlesWithin(this.#loop, limitMs))) this.#readAbandoned = true;
  }

  /**
   * After the drain: stop the timers, confirm what finished and finish the hand-backs (at most
   * `limitMs`), close the reader. Entries still held stay pending, for another replica. Resolves
   * with what Redis was not told.
   */
  async close(limitMs: number): Promise<LeftInRedis> {
    await this.stopReading(limitMs);
    this.#upkeep.stop();
    const deadline = monotonicMs() + limitMs; // one limit for both: a stalled Redis answers neither (before, 3 s each)
    await settlesWithin(Promise.all([this.#confirmations.flush(), ...this.#handingBack]), limitMs);
    // not with Redis down: ioredis would hold it, and the stop with it
    if (this.#client.status === 'ready' && monotonicMs() < deadline)
      await settlesWithin(this.#group.leave(this.#id), deadline - monotonicMs());
    const left = {
      notHandedBack: this.#handBacksFailed + this.#handingBack.size,
      unconfirmed: this.#confirmations.abandon(),
      readOpen: this.#readAbandoned,
    };
    this.#handingBack.clear(); // counted: their late failures say nothing more
    drop(this.#reader);
    return left;
  }

  async #readLoop(): Promise<void> {
    let restored = false;
    while (this.#reading) {
      // only what it can start: an entry waiting here for a slot could run on an idle replica
      const room = Math.min(this.#options.maxInFlight - this.#held.size, this.#sink.startable());
      if (room <= 0) {
        await this.#gate.wait();
        continue;
      }
      try {
        this.#readerId ??= Number(await this.#reader.client('ID'));
        // a few at a time, so that requests arriving together spread over the replicas
        const sentAt = monotonicMs();
        const streams = (await this.#reader.xreadgroup(
          'GROUP',
          REQUEST_GROUP,
          this.#id,
          'COUNT',
          Math.min(room, READ_BATCH),
          'BLOCK',
          1_000,
          'STREAMS',
          this.#keys.requests,
          '>',
        )) as [string, Entry[]][] | null;
        if (this.#readAbandoned) return; // the stop went on without this read: its entries go to another replica
        restored = false;
        if (this.reads.succeeded()) this.#log.info('Reading the request stream again');
        for (const [, entries] of streams ?? []) {
          // answered after a stall here, an entry may have run on another replica meanwhile (late-reads.ts)
          const suspect = this.#late.suspect(sentAt, entries);
          const lost = suspect.length > 0 ? await this.#late.takenOver(suspect, sentAt) : undefined;
          if (lost && this.#readAbandoned) return;
          for (const entry of entries) if (!lost?.has(entry[0])) this.#deliver(entry, 1);
        }
        // the replies of what was just delivered are written before the next read (they wait for
        // the end of this turn, see the transport), not after it: the read is not the reply's hurry
        if (streams) await new Promise(setImmediate);
        await this.#gate.afterRead();
      } catch (err) {
        if (!this.#reading) return;
        // at once after the group was made again; once only, should Redis keep losing it
        if ((await this.#group.restoreAfter(err)) && !restored) {
          restored = true;
          continue;
        }
        const message = toPlainError(err).message;
        if (this.reads.failed(message))
          this.#log.warn(`Reading the request stream failed: ${message}; trying again every second (not ready meanwhile)`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  #deliver([entryId, fields]: Entry, deliveries: number): void {
    if (fields === null || this.#held.has(entryId)) return; // deleted meanwhile, or running here already
    // with the deliveries before a hand-back (`p`): one that kills replicas still ends after maxAttempts
    const attempt = deliveries + (Number(field(fields, 'p')) || 0);
    const raw = field(fields, 'm');
    const timeoutMs = Number(field(fields, 't'));
    if (raw === undefined) {
      this.#settle(entryId); // not a request of ours: never let it block the group
      return;
    }
    // a caller that gave up on the request (its timeout passed) gets no late run
    const expired = timeoutMs > 0 && Number(entryId.split('-')[0]) + timeoutMs < this.#serverNow();
    // one given up on is said once, by its dead-letter line (before also: 'Took over ... (delivery 3)')
    if (deliveries > 1 && (expired || attempt <= this.#options.maxAttempts)) {
      const labels = requestLabels(raw);
      this.#log.warn(takenOver(entryId, attempt, expired, labels), labels);
    }
    if (expired) return this.#settle(entryId);
    if (attempt > this.#options.maxAttempts) {
      const why = `every replica that took it stopped before answering (${attempt - 1} deliveries; maxAttempts ${this.#options.maxAttempts})`;
      void deadLetter(this.#deadLetters, entryId, raw, attempt - 1, why);
      return;
    }
    this.#held.add(entryId);
    this.#gate.delivered();
    this.#delivering = true;
    try {
      this.#sink.receiveDurable(raw, {
        attempt,
        // once: the dispatcher says so when the reply goes out, and again when the request ends
        done: () => {
          if (this.#held.has(entryId)) this.#settle(entryId);
        },
        // waited for a slot: after a stall here, another replica may have taken it over
        stillOurs: () => this.#held.stillHeld(entryId),
        handBack: () => {
          // for want of a slot, now; not a request handed over later to a replica that has its action
          if (this.#delivering) this.#gate.handedBack();
          const sent = this.#handBack(entryId, fields, attempt).finally(() => this.#handingBack.delete(sent));
          this.#handingBack.add(sent);
        },
      });
    } catch (err) {
      // never held for ever (it took a maxInFlight place), nor read again and again: kept for a look
      this.#release(entryId);
      // counted as the other path counts: the deliveries before this one, which did not run it
      void deadLetter(this.#deadLetters, entryId, raw, attempt - 1, `this service could not take it (${toPlainError(err).message})`);
    } finally {
      this.#delivering = false;
    }
  }

  /** The entry is done: it leaves the stream. */
  #settle(entryId: string): void {
    this.#release(entryId);
    this.#confirmations.add(entryId);
  }

  /** Not started here (delivery `attempt`): appended again for any replica, and this delivery confirmed, in one step. */
  async #handBack(entryId: string, fields: string[], attempt: number): Promise<void> {
    // another replica took it over during a stall here: it is that one's now
    const held = this.#held.stillHeld(entryId);
    if (held !== true && !(await held)) return;
    const again = handedBack(entryId, fields, this.#serverNow(), attempt - 1);
    if (!again) {
      this.#settle(entryId); // its caller gave up meanwhile
      return;
    }
    this.#held.delete(entryId);
    if (!this.#delivering) this.#gate.wake(); // handed over later, a maxInFlight place freed; not so for want of a slot
    await this.#client
      .multi()
      .xadd(this.#keys.requests, '*', ...again)
      .xack(this.#keys.requests, REQUEST_GROUP, entryId)
      .xdel(this.#keys.requests, entryId)
      .exec()
      .catch((err: unknown) => {
        // at a stop, counted in the one line that says what the stop could not do
        if (this.#stopping) this.#handBacksFailed += 1;
        else this.#log.warn(`Could not hand request ${entryId} back: ${toPlainError(err).message}`);
      });
  }

  #release(entryId: string): void {
    this.#held.delete(entryId);
    this.#gate.wake(); // the read loop waits for room: there may be some now
  }

  /** Take over the entries of replicas that stopped answering for them; resolves with the commands it sent. */
  async #reclaim(): Promise<readonly string[]> {
    // what Redis refuses to confirm would run, and be taken over, again and again (the log filled): wait meanwhile
    if (!this.#reading || this.#confirmations.refused) return [];
    const ran: string[] = []; // a tick with no room sends none: it shows nothing of what Redis takes
    let cursor = '0-0';
    const [stream, idleMs] = [this.#keys.requests, this.#options.visibilityTimeoutMs];
    do {
      // only what it can start, as a read (before: a survivor took all of a dead replica's entries at once, past maxInFlight)
      const room = Math.min(this.#options.maxInFlight - this.#held.size, this.#sink.startable(), 100);
      if (room <= 0) break;
      ran.push('xautoclaim');
      const claimed = (await this.#client.xautoclaim(stream, REQUEST_GROUP, this.#id, idleMs, cursor, 'COUNT', room)) as [string, Entry[]];
      cursor = claimed[0];
      for (const entry of claimed[1]) {
        // held here, or done here and its confirmation not answered yet (after a stall: it is not idle, just late)
        if (entry[1] === null || this.#held.has(entry[0]) || this.#confirmations.has(entry[0])) continue;
        // after a Redis stall, its replica may have answered and confirmed it since the claim (it
        // is pending no more), or another replica claimed it after this one: it is not ours to run
        const pending = await this.#group.pending(entry[0]);
        ran.push('xpending');
        if (pending?.consumer !== this.#id) continue;
        this.#deliver(entry, pending.deliveries);
      }
    } while (cursor !== '0-0' && this.#reading);
    // the replicas that died and whose entries are claimed now are listed no more
    if (this.#reading) await this.#group.prune(this.#id, this.#options.visibilityTimeoutMs);
    return ran;
  }
}
