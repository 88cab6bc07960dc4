import type { Redis } from 'ioredis';
import { defineScript } from '../support/redis-script';
import type { ServiceKeys } from './keys';

/*
 * The ingest lease, fenced. Every lease taken bumps the service's ingest epoch, and a replica
 * may add to the request stream only while the epoch is still the one of its own lease: a
 * replica that stalled past its lease, and whose lease another replica then took, is refused,
 * however many messages its socket kept meanwhile (they went to the new holder too, or were
 * published before it subscribed). The lease key alone could not tell that: a replica id comes
 * back when it takes the lease again. Every script here has KEYS the lease, the epoch.
 *
 * An absent lease key with this replica's epoch still current means the lease lapsed (this
 * replica stalled) and no replica took it since. Adding is safe then: only replicas that held
 * the lease subscribe to the channel, any other that still is held an older epoch and is
 * refused, so the message is added once. This replica takes the lease back in the same step,
 * rather than dropping what it received while stalled. Adding while the key is absent without
 * the epoch would not be safe: a replica that took the lease after this one and added the same
 * message before dying leaves the key absent too.
 */

// ARGV: the holder, its epoch. Sets `holder` and `current` (the lease is still this replica's).
const CURRENT = `local holder = redis.call('GET', KEYS[1])
local current = redis.call('GET', KEYS[2]) == ARGV[2] and (holder == ARGV[1] or not holder)`;

// ARGV: the holder, its epoch. For a lease that is not this replica's any more (or never was): 0
// when another replica took it since (each take or release adds 1), -1 when Redis lost its data: no counter, or
// one started again from the clock (ACQUIRE), a second or more later, or from a clock behind.
const NOT_CURRENT = `local epoch = tonumber(redis.call('GET', KEYS[2]))
local mine = tonumber(ARGV[2])
if not mine or (epoch and epoch >= mine and epoch <= mine + 1000000) then return 0 end
return -1`;

// KEYS[3]: when a replica first deferred since Redis lost the lease (ms, server clock). ARGV: the holder, ttl ms,
// the deferral in ms ('0': none). Takes the lease if no replica holds it: the new epoch, or 0; -2 when asked to
// defer, the counter is missing (Redis lost its data: the former holder, still subscribed, takes it again first;
// see IngestLeader) and the first deferral since is more recent than the deferral. On the server's clock, from a
// key lost with the data: a try held in an outage, a stall of the asking process or a second restart within a
// heartbeat cannot cut the former holder's time short. A missing counter (a new service, or a Redis that restarted
// without its data) starts from the server's clock in µs, not from 1: a replica that held epoch 1 before the restart
// must not find its epoch current again. Counting past the clock would take a lease taken more than once a µs
// (the µs count, about 1.8e15, is exact in Lua's and JavaScript's numbers until the year 2255).
const ACQUIRE = `local missing = redis.call('EXISTS', KEYS[2]) == 0
if missing and redis.replicate_commands then redis.replicate_commands() end
local now = missing and redis.call('TIME')
if missing and ARGV[3] ~= '0' then
  local ms = now[1] * 1000 + math.floor(now[2] / 1000)
  local since = tonumber(redis.call('GET', KEYS[3]))
  if not since or since > ms then
    redis.call('SET', KEYS[3], ms, 'PX', ARGV[3] * 10)
    return -2
  end
  if ms - since < tonumber(ARGV[3]) then return -2 end
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 0 end
if missing then
  redis.call('SET', KEYS[2], string.format('%.0f', now[1] * 1000000 + now[2]))
  redis.call('DEL', KEYS[3])
end
return redis.call('INCR', KEYS[2])`;

// ARGV: the holder, its epoch, ttl ms. Extends the lease (takes it back when it lapsed) while it
// is this replica's: 1; else as NOT_CURRENT.
const RENEW = `${CURRENT}
if not current then ${NOT_CURRENT} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1`;

// KEYS[3]: the offer. ARGV: the holder. Drops the lease if this replica holds it, and its offer, and ends its epoch: a
// late add from this replica cannot take it back.
const RELEASE = `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return redis.call('INCR', KEYS[2])`;

// KEYS[3]: the request stream, KEYS[4]: the last add (epoch:seq), KEYS[5]: the draining leader's last add (see
// TAKE_OVER). ARGV: the holder, its epoch, ttl ms, the message, the add's number in this process (increasing), then the
// request's timeout ms if it has one. Adds the message while the lease is this replica's, or its lease was taken over
// and it is draining: 1; else as NOT_CURRENT. An add numbered no higher than the last of the same epoch was made
// already: ioredis sends the commands that were not answered again after a reconnect, in order, and one Redis had run
// would run twice.
const XADD = `if ARGV[6] then redis.call('XADD', KEYS[3], '*', 'm', ARGV[4], 't', ARGV[6])
else redis.call('XADD', KEYS[3], '*', 'm', ARGV[4]) end`;
const ADD = `${CURRENT}
local seqKey = KEYS[4]
if not current then
  seqKey = KEYS[5]
  local draining = redis.call('GET', seqKey)
  if not draining or string.sub(draining, 1, #ARGV[2] + 1) ~= ARGV[2] .. ':' then ${NOT_CURRENT} end
end
local last = redis.call('GET', seqKey)
local at = last and string.find(last, ':', 1, true)
if at and string.sub(last, 1, at - 1) == ARGV[2] and tonumber(string.sub(last, at + 1)) >= tonumber(ARGV[5]) then return 1 end
if current and not holder then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) end
${XADD}
if current then redis.call('SET', seqKey, ARGV[2] .. ':' .. ARGV[5])
else redis.call('SET', seqKey, ARGV[2] .. ':' .. ARGV[5], 'PX', ARGV[3]) end
return 1`;

// KEYS[3]: the offer. ARGV: the holder, its epoch, ttl ms, the hand-off channel. A leaving holder offers its lease
// (taking it back if it lapsed, as RENEW): the number of other connections told; -1 if the lease is not its own.
const OFFER = `${CURRENT}
if not current then return -1 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[3])
return redis.call('PUBLISH', ARGV[4], 'offer:' .. ARGV[1]) - 1`;

// KEYS[3]: the offer, KEYS[4]: the last add, KEYS[5]: the draining leader's last add. ARGV: the taker, ttl ms, the
// holder that offered, the hand-off channel. Takes an offered lease still held by the replica that offered it: the new
// epoch, and a marker on the hand-off channel published in the same step; else 0 when another replica holds it (it took
// it over first), -1 when none does (the holder let go of it: withdrawn).
// The old holder keeps adding what it received before the marker (its epoch is kept as draining, with its last add);
// the taker adds what it receives after: both connections receive the channel's messages and the marker in the order
// Redis published them, so each message is added once, none missed. (The epoch, near 2e15, is formatted: Lua's own
// form of such a number is 1.7e+15.)
const TAKE_OVER = `local lease = redis.call('GET', KEYS[1])
if redis.call('GET', KEYS[3]) ~= ARGV[3] or lease ~= ARGV[3] then
  if lease and lease ~= ARGV[3] then return 0 end
  return -1
end
local old = redis.call('GET', KEYS[2])
if not old then return 0 end
local last = redis.call('GET', KEYS[4])
if not (last and string.sub(last, 1, #old + 1) == old .. ':') then last = old .. ':0' end
redis.call('SET', KEYS[5], last, 'PX', ARGV[2])
redis.call('DEL', KEYS[3])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local epoch = redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[4], 'taken:' .. ARGV[1] .. ':' .. string.format('%.0f', epoch))
return epoch`;

// KEYS[1]: the draining leader's last add. ARGV: its epoch. Its adds end (once it has none left on the way).
const END_DRAINING = `local draining = redis.call('GET', KEYS[1])
if draining and string.sub(draining, 1, #ARGV[1] + 1) == ARGV[1] .. ':' then redis.call('DEL', KEYS[1]) end
return 1`;

type Script = (...args: string[]) => Promise<unknown>;

import type { WriteRefusals } from '../transport/write-refusals';
/** The lease's scripts on `client`, each sent by its hash (EVALSHA). */
export class IngestLease {
  readonly #keys: [lease: string, epoch: string];
  readonly #deferredKey: string;
  readonly #stream: string;
  readonly #seqKey: string;
  readonly #offerKey: string;
  readonly #drainingKey: string;
  readonly #handoff: string;
  /** The number of the next add: increasing in this process, so a resent add is known (see ADD). */
  #seq = 0;
  readonly #id: string;
  readonly #ttl: string;
  readonly #acquire: Script;
  readonly #renew: Script;
  readonly #release: Script;
  readonly #add: Script;
  readonly #offer: Script;
  readonly #takeOver: Script;
  readonly #endDraining: Script;
  readonly #refusals: WriteRefusals;

  constructor(client: Redis, keys: ServiceKeys, id: string, ttlMs: number, refusals: WriteRefusals) {
    this.#refusals = refusals;
    this.#keys = [keys.ingest, keys.ingestEpoch];
    this.#deferredKey = keys.ingestDeferred;
    this.#stream = keys.requests;
    this.#seqKey = keys.ingestSeq;
    this.#offerKey = keys.ingestOffer;
    this.#drainingKey = keys.ingestDraining;
    this.#handoff = keys.handoff;
    this.#id = id;
    this.#ttl = String(ttlMs);
    this.#acquire = defineScript(client, 'daebusIngestAcquire', 3, ACQUIRE);
    this.#renew = defineScript(client, 'daebusIngestRenew', 2, RENEW);
    this.#release = defineScript(client, 'daebusIngestRelease', 3, RELEASE);
    this.#add = defineScript(client, 'daebusIngestAdd', 5, ADD);
    this.#offer = defineScript(client, 'daebusIngestOffer', 3, OFFER);
    this.#takeOver = defineScript(client, 'daebusIngestTakeOver', 5, TAKE_OVER);
    this.#endDraining = defineScript(client, 'daebusIngestEndDraining', 1, END_DRAINING);
  }

  /**
   * Take the lease if no replica holds it: its epoch, or undefined; with `deferOnLoss`, 'deferred'
   * (and not taken) when Redis lost the lease's data, for as long as a lease lasts from the first
   * such deferral, so that the former holder takes it first.
   */
  async acquire(deferOnLoss = false): Promise<string | 'deferred' | undefined> {
    const deferMs = deferOnLoss ? this.#ttl : '0';
    const epoch = Number(await this.#kept(this.#acquire(...this.#keys, this.#deferredKey, this.#id, this.#ttl, deferMs)));
    return epoch > 0 ? String(epoch) : epoch === -2 ? 'deferred' : undefined;
  }

  /** Keep the lease of `epoch`: 'held'; 'taken' when another replica took it since, 'lost' when Redis lost it with its data. */
  async renew(epoch: string): Promise<'held' | 'taken' | 'lost'> {
    const answer = Number(await this.#kept(this.#renew(...this.#keys, this.#id, epoch, this.#ttl)));
    return answer === 1 ? 'held' : answer === 0 ? 'taken' : 'lost';
  }

  /** A take or renewal's answer, its refusal by Redis recorded (said once a streak, see WriteRefusals; a caller need not log it). */
  #kept(answer: Promise<unknown>): Promise<unknown> {
    return answer.then(
      (value) => {
        this.#refusals.succeeded('lease');
        return value;
      },
      (err: unknown) => {
        this.#refusals.refused('lease', err);
        throw err;
      },
    );
  }

  async release(): Promise<void> {
    await this.#release(...this.#keys, this.#offerKey, this.#id);
  }

  /** Offer the lease of `epoch` to the other replicas (see TAKE_OVER): how many other connections heard; -1 if it is not this replica's. */
  async offer(epoch: string): Promise<number> {
    return Number(await this.#offer(...this.#keys, this.#offerKey, this.#id, epoch, this.#ttl, this.#handoff));
  }

  /** Take over the lease `holder` offered: the new epoch; 'taken' when another replica took it first, 'withdrawn' when its holder let go of it. */
  async takeOver(holder: string): Promise<string | 'taken' | 'withdrawn'> {
    const keys = [...this.#keys, this.#offerKey, this.#seqKey, this.#drainingKey];
    const epoch = Number(await this.#kept(this.#takeOver(...keys, this.#id, this.#ttl, holder, this.#handoff)));
    return epoch > 0 ? String(epoch) : epoch === 0 ? 'taken' : 'withdrawn';
  }

  /** The adds of `epoch`, whose lease was taken over, are over. */
  async endDraining(epoch: string): Promise<void> {
    await this.#endDraining(this.#drainingKey, epoch);
  }

  /**
   * Add `message` to the request stream if the lease of `epoch` is still this replica's: 1 if it
   * was added; 0 if not, -1 if not because Redis lost the lease with its data. Not async: one promise per request, as the plain XADD it replaces.
   */
  add(epoch: string, message: string, timeoutMs?: string): Promise<unknown> {
    const [lease, epochKey] = this.#keys;
    const seq = String(++this.#seq);
    return timeoutMs === undefined
      ? this.#add(lease, epochKey, this.#stream, this.#seqKey, this.#drainingKey, this.#id, epoch, this.#ttl, message, seq)
      : this.#add(lease, epochKey, this.#stream, this.#seqKey, this.#drainingKey, this.#id, epoch, this.#ttl, message, seq, timeoutMs);
  }
}
