import type { Redis } from 'ioredis';
import { monotonicMs } from '../../shared/clock';
import { toPlainError } from '../../shared/errors';
import { CountedLines } from '../support/counted-lines';
import type { Logger } from '../support/logger';
import { SerialRun } from '../support/serial-run';
import { settlesWithin } from '../support/timers';
import type { MessageHandler, Transport } from '../transport/transport';
import type { SubscriberWatch } from '../support/subscriber-watch';
import { channelCompany } from './channel-company';
import { IngestLease } from './ingest-lease';
import { expectsReply } from './expects-reply';
import { IngestHandoff } from './ingest-handoff';
import { handOffMissedLine, leaseLostLine, notAddedLine } from './ingest-lines';
import { serviceKeys, type ServiceKeys } from './keys';
import type { WriteRefusals } from '../transport/write-refusals';

/** Requests held while the lease is taken again after Redis lost it (see #orphan): past this many, more are dropped. */
const MAX_ORPHANS = 10_000;
/**
 * Requests published on the service's pub/sub channel (by Python Daebus callers, and by ours
 * when no replica is known yet) must each be handled once, not once per replica. One replica at a
 * time holds a lease and is the only one subscribed to the channel; it appends each message to
 * the durable request stream, which every replica reads. The lease expires if its holder dies
 * (the next replica takes over within a few heartbeats); a holder that stops hands it over at
 * once, without a gap (see IngestHandoff). A message published while no replica holds the lease is not
 * delivered (pub/sub keeps nothing): requests over pub/sub stay at-most-once. The add to the stream is fenced (see
 * ingest-lease.ts): a holder that stalled while another took over adds nothing more. A holder
 * whose lease Redis lost with its data (restarted without it, or flushed) stays subscribed and
 * takes the lease again at once, adding what came meanwhile, unless another replica took it first.
 *
 * A request that waits for a reply and has no deadline (Python's callers send none) gets one
 * here, `untimedRequestTimeoutMs` after it was taken in: no late run once its caller gave up.
 */
export class IngestLeader {
  readonly #client: Redis;
  readonly #transport: Transport;
  readonly #refuse: (raw: string, unadded?: unknown) => void;
  readonly #refusals: WriteRefusals;
  readonly #answerBuiltinHere: (raw: string, leaseSure: boolean) => boolean;
  readonly #keys: ServiceKeys;
  readonly #lease: IngestLease;
  readonly #service: string;
  readonly #id: string;
  readonly #renewMs: number;
  /** untimedRequestTimeoutMs, as the stream's `t` field. */
  readonly #untimedTimeout: string;
  readonly #log: Logger;
  #leading = false;
  /** When Redis last confirmed the lease (taken or renewed), on the monotonic clock. */
  #confirmedAt = 0;
  /** The epoch of the lease this replica took last ('' before: Redis refuses its adds). */
  #epoch = '';
  /**
   * Keep the lease, or try to take it: one try at a time. In an outage ioredis holds each try, and
   * a try per interval piled up, to be replayed at once on reconnect; a tick asked for while one
   * is on its way (a hand-off) runs after it.
   */
  readonly #ticks = new SerialRun(() => this.#tickOnce());
  readonly #handoff: IngestHandoff;
  #stopped = false;
  #timer?: NodeJS.Timeout;
  /** Requests from the channel this replica did not add since the last report, by why: the lease was another's, or lost. */
  readonly #dropped: CountedLines<undefined>;
  /** Requests received while Redis had lost the lease with its data: added once this replica takes it again. */
  #orphans: { raw: string; timeout: string | undefined }[] = [];
  /** Taking the lease again after Redis lost it, once at a time. */
  #retaking?: Promise<void>;
  /** A try to take the lease found it held, or this replica held it: a missing lease may be Redis's loss. */
  #sawLease = false;
  /** The last add sent, with its handling: a stop waits for it before it says the count. */
  #lastAdd: Promise<void> = Promise.resolve();
  /** The unsubscribe from the channel after the lease was lost. */
  #leaving: Promise<void> = Promise.resolve();
  /** While this replica holds the lease: whether another connection subscribes to the channel too. */
  readonly #company: SubscriberWatch;

  constructor(init: {
    client: Redis;
    transport: Transport;
    service: string;
    id: string;
    heartbeatMs: number;
    untimedRequestTimeoutMs: number;
    /** Answer a request with an error: its bytes are not UTF-8, or Redis refused to add it (`unadded`) and its caller must not wait its timeout out. */
    refuse: (raw: string, unadded?: unknown) => void;
    refusals: WriteRefusals;
    /** Answer a daebus.* request here and now (true): a health probe must not wait behind the stream. */
    answerBuiltinHere: (raw: string, leaseSure: boolean) => boolean;
    log: Logger;
  }) {
    this.#client = init.client;
    this.#refuse = init.refuse;
    this.#refusals = init.refusals;
    this.#answerBuiltinHere = init.answerBuiltinHere;
    this.#transport = init.transport;
    this.#keys = serviceKeys(init.service);
    this.#lease = new IngestLease(init.client, this.#keys, init.id, init.heartbeatMs * 3, init.refusals);
    this.#service = init.service;
    this.#id = init.id;
    this.#renewMs = init.heartbeatMs;
    this.#untimedTimeout = String(init.untimedRequestTimeoutMs);
    this.#log = init.log;
    this.#dropped = CountedLines.perKey((why, count) => init.log.warn(notAddedLine(init.service, why, count)));
    this.#handoff = new IngestHandoff({
      lease: this.#lease,
      id: init.id,
      waitMs: 2.5 * init.heartbeatMs,
      subscribe: () => this.#transport.subscribe(this.#service, this.#ingest),
      unsubscribe: () => this.#transport.unsubscribe(this.#service, this.#ingest),
      tick: () => void this.#ticks.run(),
      took: (epoch) => this.#holding(epoch),
      unadded: (count) => init.log.warn(handOffMissedLine(init.service, count)),
    });
    this.#company = channelCompany({
      client: init.client,
      service: init.service,
      log: init.log,
      everyMs: 2 * init.heartbeatMs,
      stillHolds: () => this.#stillHolds(),
    });
  }

  get leading(): boolean {
    return this.#leading;
  }

  async start(): Promise<void> {
    await this.#transport.subscribe(this.#keys.handoff, this.#handoff.onMessage);
    await this.#ticks.run();
    this.#timer = setInterval(() => void this.#ticks.run(), this.#renewMs);
    this.#timer.unref();
    // back from an outage, the holder renews at once: a Redis that lost its data gives the lease to the first to ask
    this.#client.on('ready', this.#onReady);
  }

  /** Stop taking pub/sub requests; hand the lease to another replica at once. False when the lease held could not be released. */
  async stop(): Promise<boolean> {
    this.#stopped = true;
    this.#handoff.stop();
    clearInterval(this.#timer);
    this.#client.off('ready', this.#onReady);
    this.#company.stop();
    // a take-over on its way may make this replica the holder: it ends first
    await settlesWithin(this.#ticks.current, 1_000);
    let released = true;
    const [epoch, held] = [this.#epoch, this.#leading];
    const handed = held && (await this.#handoff.handOver(epoch));
    this.#leading = false;
    await this.#transport.unsubscribe(this.#service, this.#ingest).catch(() => undefined);
    if (held && !handed) {
      // no replica took it over: let go of it once nothing more comes in, and tell the others
      released = await this.#lease.release().then(
        () => true,
        () => false,
      );
      if (released) await this.#client.publish(this.#keys.handoff, this.#id).catch(() => undefined);
    }
    await this.#transport.unsubscribe(this.#keys.handoff, this.#handoff.onMessage).catch(() => undefined);
    // the count said last, once nothing more comes in and every add sent is answered (the process
    // may end right after); not waited for past a second (Redis down: they may never be)
    await settlesWithin(Promise.all([this.#leaving, this.#lastAdd]), 1_000);
    if (held) await this.#lease.endDraining(epoch).catch(() => undefined);
    this.#dropped.flush();
    return released;
  }

  readonly #onReady = (): void => void (this.#leading && this.#ticks.run());

  async #tickOnce(): Promise<void> {
    if (this.#stopped) return;
    try {
      if (this.#leading) {
        const epoch = this.#epoch;
        // from when the renewal was sent: a reply read after a stall says nothing of the time since
        const sentAt = monotonicMs();
        const kept = await this.#lease.renew(epoch);
        if (kept === 'held') this.#confirmedAt = sentAt;
        else if (kept === 'lost') this.#retake(epoch);
        else this.#lose(epoch, kept);
        return;
      }
      const offered = this.#handoff.takeOffer();
      if (offered !== undefined) return await this.#takeOver(offered);
      const sentAt = monotonicMs();
      // a lease another replica held, gone with Redis's data: left to that replica a while, for its retake (see IngestLease)
      const epoch = await this.#lease.acquire(this.#sawLease);
      this.#sawLease = true;
      if (epoch === undefined || epoch === 'deferred') return;
      if (this.#stopped) {
        await this.#lease.release();
        return;
      }
      this.#holding(epoch);
      this.#handoff.tookItself();
      this.#confirmedAt = sentAt;
      await this.#transport.subscribe(this.#service, this.#ingest);
      if (this.#stopped) return; // stopped meanwhile (it unsubscribed and let go): its watch not started again
      this.#log.debug(`Taking pub/sub requests of "${this.#service}" into the request stream`);
      this.#company.start();
    } catch (err) {
      // in an outage the transport said so once already; every try failing says nothing new; a refusal: see IngestLease
      if (this.#client.status !== 'ready' || this.#refusals.took(err)) return;
      this.#log.warn(`The pub/sub lease of "${this.#service}" could not be kept: ${toPlainError(err).message}`);
    }
  }

  /** Take over the lease `holder` offers as it leaves (see IngestHandoff). */
  async #takeOver(holder: string): Promise<void> {
    const taken = await this.#handoff.takeOver(holder);
    if (taken === undefined) return;
    // its marker may be on its way still: the lease is this replica's, what came before the marker is not
    if (!this.#leading) this.#holding(taken.epoch);
    this.#confirmedAt = taken.sentAt;
    if (this.#stopped) return; // the stop, waiting for this, hands it over again
    this.#log.debug(`Took over the pub/sub requests of "${this.#service}" from the replica that left`);
    this.#company.start();
  }

  #holding(epoch: string): void {
    this.#epoch = epoch;
    this.#leading = true;
  }

  /** Renew now: whether this replica still holds the lease (if not, it lets go, as a tick would). */
  async #stillHolds(): Promise<boolean> {
    const epoch = this.#epoch;
    if (!this.#leading) return false;
    const kept = await this.#lease.renew(epoch);
    if (kept === 'held') return this.#leading;
    if (kept === 'lost') this.#retake(epoch);
    else this.#lose(epoch, kept);
    return false;
  }

  /**
   * The lease of `epoch` is not this replica's any more: another's now (this process or Redis
   * stalled), or gone with Redis's data. Stop taking requests in, once.
   */
  #lose(epoch: string, why: 'taken' | 'lost'): void {
    // while this replica takes the lease again, its own new epoch refuses its old one: the taking decides
    // a stop hands the lease over or lets go of it: no loss to tell of
    if (this.#stopped || !this.#leading || epoch !== this.#epoch || (why === 'taken' && this.#retaking !== undefined)) return;
    this.#leading = false;
    this.#company.stop();
    this.#log.warn(leaseLostLine(this.#service, why));
    this.#leaving = this.#transport.unsubscribe(this.#service, this.#ingest).catch((err: unknown) => {
      this.#log.warn(`Could not unsubscribe from the pub/sub channel of "${this.#service}": ${toPlainError(err).message}`);
    });
  }

  // The fenced add replaces a plain XADD: one script call per request, no extra round trip.
  readonly #ingest: MessageHandler = (raw, _channel, notUtf8) => {
    if (this.#handoff.ignoring) return this.#handoff.skip();
    // its text has U+FFFD where the bad bytes were: a replica would run what was not sent
    if (notUtf8 === true) return this.#refuse(raw);
    // an admin action only while the lease is surely ours (Redis confirmed it within two
    // heartbeats): a holder that stalled may have lost it to a replica that answers what both
    // received; the fenced add below then refuses it here
    if (this.#answerBuiltinHere(raw, monotonicMs() - this.#confirmedAt < 2 * this.#renewMs)) return;
    this.#add(raw, expectsReply(raw) ? this.#untimedTimeout : undefined);
  };

  #add(raw: string, timeout: string | undefined): void {
    const epoch = this.#epoch;
    // answered in order (one connection), so the last one's handler runs after every earlier one's
    this.#lastAdd = this.#lease.add(epoch, raw, timeout).then(
      (added) => {
        if (added === 1) return this.#refusals.succeeded('intake');
        // refused under an epoch this replica has replaced since (it took the lease again): add it under the new one
        if (this.#leading && epoch !== this.#epoch) return this.#add(raw, timeout);
        // refused as Redis lost the lease, or while this replica takes it again: the taking decides
        if (this.#leading && (added === -1 || this.#retaking !== undefined)) return this.#orphan(epoch, raw, timeout);
        this.#lose(epoch, 'taken');
        // counted, and said once a second: a paused Redis hands back many at once
        this.#dropped.count('taken', undefined);
      },
      (err: unknown) => this.#refuse(raw, err),
    );
  }

  /** Redis lost the lease of `epoch` with its data as `raw` came: kept, and added once this replica takes the lease again (at once). */
  #orphan(epoch: string, raw: string, timeout: string | undefined): void {
    if (this.#orphans.length >= MAX_ORPHANS) return void this.#dropped.count('lost', undefined);
    this.#orphans.push({ raw, timeout });
    this.#retake(epoch);
  }

  /**
   * Redis lost the lease of `epoch` with its data: take it again now, still subscribed, rather than
   * let go and wait for a tick (requests published meanwhile would reach no replica). No other
   * replica held it since (a take makes the epoch again), so what came meanwhile is added once.
   */
  #retake(epoch: string): void {
    this.#retaking ??= this.#retakeOnce(epoch).finally(() => (this.#retaking = undefined));
  }

  async #retakeOnce(epoch: string): Promise<void> {
    const sentAt = monotonicMs();
    const taken = await this.#lease.acquire().then(
      (got) => (got === 'deferred' ? undefined : got),
      () => undefined,
    );
    const orphans = this.#orphans.splice(0);
    if (taken !== undefined && this.#leading && this.#epoch === epoch && !this.#stopped) {
      this.#epoch = taken;
      this.#confirmedAt = sentAt;
      this.#log.warn(
        `Took the lease on the pub/sub channel of "${this.#service}" again: Redis had lost it with its data (restarted without ` +
          `persistence, or flushed); the ${orphans.length} request(s) received meanwhile are added`,
      );
      for (const orphan of orphans) this.#add(orphan.raw, orphan.timeout);
      return;
    }
    if (taken !== undefined) await this.#lease.release().catch(() => undefined);
    this.#lose(epoch, 'lost');
    for (let i = 0; i < orphans.length; i++) this.#dropped.count('lost', undefined);
  }
}
