import type { Redis } from 'ioredis';
import { monotonicMs } from '../../shared/clock';
import { toPlainError } from '../../shared/errors';
import { CountedLines } from '../support/counted-lines';
import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import type { MessageHandler, Transport } from '../transport/transport';
import type { SubscriberWatch } from '../support/subscriber-watch';
import { channelCompany } from './channel-company';
import { IngestLease } from './ingest-lease';
import { serviceKeys, type ServiceKeys } from './keys';

/**
 * Requests published on the service's pub/sub channel (by Python Daebus callers, and by ours
 * when no replica is known yet) must each be handled once, not once per replica. One replica at a
 * time holds a lease and is the only one subscribed to the channel; it appends each message to
 * the durable request stream, which every replica reads. The lease expires if its holder dies
 * (the next replica takes over within a few heartbeats); a holder that stops hands it over at
 * once. A message published while no replica holds the lease is not delivered (pub/sub keeps
 * nothing): requests over pub/sub stay at-most-once. The add to the stream is fenced (see
 * ingest-lease.ts): a holder that stalled while another took over adds nothing more.
 *
 * A request that waits for a reply and has no deadline (Python's callers send none) gets one
 * here, `untimedRequestTimeoutMs` after it was taken in: no late run once its caller gave up.
 */
export class IngestLeader {
  readonly #client: Redis;
  readonly #transport: Transport;
  readonly #refuseNotUtf8: (raw: string) => void;
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
  #ticking = false;
  #tickAgain = false;
  #stopped = false;
  #timer?: NodeJS.Timeout;
  /** Requests from the channel this replica did not add since the last report, as the lease was another replica's. */
  readonly #dropped: CountedLines<undefined>;
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
    /** Answer a message whose bytes are not UTF-8 with BAD_REQUEST instead of adding it. */
    refuseNotUtf8: (raw: string) => void;
    /** Answer a daebus.* request here and now (true): a health probe must not wait behind the stream. */
    answerBuiltinHere: (raw: string, leaseSure: boolean) => boolean;
    log: Logger;
  }) {
    this.#client = init.client;
    this.#refuseNotUtf8 = init.refuseNotUtf8;
    this.#answerBuiltinHere = init.answerBuiltinHere;
    this.#transport = init.transport;
    this.#keys = serviceKeys(init.service);
    this.#lease = new IngestLease(init.client, this.#keys, init.id, init.heartbeatMs * 3);
    this.#service = init.service;
    this.#id = init.id;
    this.#renewMs = init.heartbeatMs;
    this.#untimedTimeout = String(init.untimedRequestTimeoutMs);
    this.#log = init.log;
    this.#dropped = CountedLines.perKey((_, count) =>
      init.log.warn(
        `Did not add ${count} pub/sub request(s) of "${init.service}" received after the lease went to another replica: ` +
          'the new holder runs those published after it subscribed; any published before (while Redis paused, or this process stalled) ' +
          'reached no replica, and their callers get no answer',
      ),
    );
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
    await this.#transport.subscribe(this.#keys.handoff, this.#onHandoff);
    await this.#tick();
    this.#timer = setInterval(() => void this.#tick(), this.#renewMs);
    this.#timer.unref();
  }

  /** Stop taking pub/sub requests; hand the lease to the others at once. False when the lease held could not be released. */
  async stop(): Promise<boolean> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#company.stop();
    await this.#transport.unsubscribe(this.#keys.handoff, this.#onHandoff).catch(() => undefined);
    let released = true;
    if (this.#leading) {
      this.#leading = false;
      await this.#transport.unsubscribe(this.#service, this.#ingest).catch(() => undefined);
      released = await this.#lease.release().then(
        () => true,
        () => false,
      );
      if (released) await this.#client.publish(this.#keys.handoff, this.#id).catch(() => undefined);
    }
    // the count said last, once nothing more comes in and every add sent is answered (the process
    // may end right after); not waited for past a second (Redis down: they may never be)
    await settlesWithin(Promise.all([this.#leaving, this.#lastAdd]), 1_000);
    this.#dropped.flush();
    return released;
  }

  readonly #onHandoff: MessageHandler = () => void this.#tick();

  /**
   * Keep the lease, or try to take it: one try at a time. In an outage ioredis holds each try, and
   * a try per interval piled up, to be replayed at once on reconnect; a tick asked for while one
   * is on its way (a hand-off) runs after it.
   */
  async #tick(): Promise<void> {
    if (this.#ticking) {
      this.#tickAgain = true;
      return;
    }
    this.#ticking = true;
    try {
      await this.#tickOnce();
    } finally {
      this.#ticking = false;
    }
    if (this.#tickAgain) {
      this.#tickAgain = false;
      await this.#tick();
    }
  }

  async #tickOnce(): Promise<void> {
    if (this.#stopped) return;
    try {
      if (this.#leading) {
        const epoch = this.#epoch;
        // from when the renewal was sent: a reply read after a stall says nothing of the time since
        const sentAt = monotonicMs();
        const kept = await this.#lease.renew(epoch);
        if (kept === 'held') this.#confirmedAt = sentAt;
        else this.#lose(epoch, kept);
        return;
      }
      const sentAt = monotonicMs();
      const epoch = await this.#lease.acquire();
      if (epoch === undefined) return;
      if (this.#stopped) {
        await this.#lease.release();
        return;
      }
      this.#epoch = epoch;
      this.#leading = true;
      this.#confirmedAt = sentAt;
      await this.#transport.subscribe(this.#service, this.#ingest);
      this.#log.debug(`Taking pub/sub requests of "${this.#service}" into the request stream`);
      this.#company.start();
    } catch (err) {
      // in an outage the transport said so once already; every try failing says nothing new
      if (this.#client.status !== 'ready') return;
      this.#log.warn(`The pub/sub lease of "${this.#service}" could not be kept: ${toPlainError(err).message}`);
    }
  }

  /** Renew now: whether this replica still holds the lease (if not, it lets go, as a tick would). */
  async #stillHolds(): Promise<boolean> {
    const epoch = this.#epoch;
    if (!this.#leading) return false;
    const kept = await this.#lease.renew(epoch);
    if (kept === 'held') return this.#leading;
    this.#lose(epoch, kept);
    return false;
  }

  /**
   * The lease of `epoch` is not this replica's any more: another's now (this process or Redis
   * stalled), or gone with Redis's data. Stop taking requests in, once.
   */
  #lose(epoch: string, why: 'taken' | 'lost'): void {
    if (!this.#leading || epoch !== this.#epoch) return;
    this.#leading = false;
    this.#company.stop();
    const how =
      why === 'taken'
        ? 'another replica took it: this process stalled, or Redis did not answer its renewals in time, paused or overloaded'
        : 'Redis lost it with its data, restarted without persistence or flushed; a replica takes it again within a heartbeat';
    this.#log.warn(
      `Lost the lease on the pub/sub channel of "${this.#service}" (${how}). What this replica received from the channel ` +
        'and had not added is not added now: the new holder takes what reaches it, the rest is lost (requests over pub/sub are at-most-once)',
    );
    this.#leaving = this.#transport.unsubscribe(this.#service, this.#ingest).catch((err: unknown) => {
      this.#log.warn(`Could not unsubscribe from the pub/sub channel of "${this.#service}": ${toPlainError(err).message}`);
    });
  }

  // The fenced add replaces a plain XADD: one script call per request, no extra round trip.
  readonly #ingest: MessageHandler = (raw, _channel, notUtf8) => {
    // its text has U+FFFD where the bad bytes were: a replica would run what was not sent
    if (notUtf8 === true) {
      this.#refuseNotUtf8(raw);
      return;
    }
    // an admin action only while the lease is surely ours (Redis confirmed it within two
    // heartbeats): a holder that stalled may have lost it to a replica that answers what both
    // received; the fenced add below then refuses it here
    if (this.#answerBuiltinHere(raw, monotonicMs() - this.#confirmedAt < 2 * this.#renewMs)) return;
    const epoch = this.#epoch;
    // answered in order (one connection), so the last one's handler runs after every earlier one's
    this.#lastAdd = this.#lease.add(epoch, raw, expectsReply(raw) ? this.#untimedTimeout : undefined).then(
      (added) => {
        if (added === 1) return;
        this.#lose(epoch, added === -1 ? 'lost' : 'taken');
        // counted, and said once a second: a paused Redis hands back many at once
        this.#dropped.count('', undefined);
      },
      (err: unknown) => {
        this.#log.warn(`A pub/sub request was lost: it could not be added to the request stream (${toPlainError(err).message})`);
      },
    );
  };
}

/**
 * Whether a message from the service channel waits for a reply: it names a reply channel or a
 * request id (Python's send_request sets both, its send_to_service neither). The messages that
 * mention neither are told apart without parsing them.
 */
export function expectsReply(raw: string): boolean {
  if (!raw.includes('"reply_to"') && !raw.includes('"request_id"')) return false;
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    return true; // answered with an error at once, when it can be: a deadline changes nothing
  }
  if (message === null || typeof message !== 'object') return false;
  const { reply_to: replyTo, request_id: requestId } = message as Record<string, unknown>;
  return (replyTo !== undefined && replyTo !== null) || (requestId !== undefined && requestId !== null);
}
