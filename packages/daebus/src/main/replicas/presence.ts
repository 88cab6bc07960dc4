import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { monotonicMs } from '../../shared/clock';
import { toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import type { WriteRefusals } from '../transport/write-refusals';
import { ClockOffset } from './clock-offset';
import { serviceKeys, type ServiceKeys } from './keys';

/** One live replica of a service, as `app.replicas()` and `caller.replicas()` list it. */
export interface ReplicaInfo {
  /** The replica's id (a random UUID, new at each start). */
  id: string;
  /** The host name of its machine. */
  host: string;
  /** Its process id. */
  pid: number;
  /** When it started (ms since the epoch). */
  startedAt: number;
  /** Requests it had taken in and not finished, at its last heartbeat. */
  inFlight: number;
  /** Its last heartbeat (Redis server time, ms). */
  lastSeen: number;
  /**
   * Its own actions (not the built-in `daebus.*` ones), as of its last heartbeat; absent for a
   * replica of a daebus version that does not list them. They differ between replicas while a
   * rolling deploy runs old and new code side by side.
   */
  actions?: string[];
  /** Present (true) once the replica began to stop: it takes nothing new in and drains what it runs. */
  leaving?: true;
}

// KEYS: replicas set, replica hash, live key. ARGV: ttl ms, id, the prefix of the replica
// hashes, how long the replica has run (ms: its startedAt is said in the server's clock, as
// lastSeen is), then field/value pairs. Scored with the server's clock, so that replicas on machines
// whose clocks differ agree. A replica may beat less often than this one (its own heartbeatMs):
// a member long unseen is dropped only once its hash has expired, and the live key's expiry is
// never shortened, so it lasts as long as the longest-lived replica's presence.
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
redis.call('HSET', KEYS[2], 'lastSeen', now, 'startedAt', now - tonumber(ARGV[4]), unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('ZADD', KEYS[1], now, ARGV[2])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - 10 * ttl, 'LIMIT', 0, 100)) do
  if redis.call('EXISTS', ARGV[3] .. id) == 0 then redis.call('ZREM', KEYS[1], id) end
end
if redis.call('PTTL', KEYS[3]) < ttl then redis.call('SET', KEYS[3], '1', 'PX', ttl) end
return now`;

// KEYS: replicas set, replica hash, live key. ARGV: id, the prefix of the replica hashes.
// The last live replica to leave takes the live key with it: callers then see at once that
// nobody takes durable requests (NO_SUBSCRIBER), instead of waiting out its expiry's requests.
const LEAVE = `
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', ARGV[2] .. id) == 1 then return 0 end
end
redis.call('DEL', KEYS[3])
return 1`;

// KEYS: replicas set, replica hash. ARGV: id, the prefix of the replica hashes. Marks this
// replica leaving, and answers 1 if another live replica is not leaving: that one takes over
// what this one stops taking in. Marking and looking in one step, so that of two replicas that
// stop at the same moment, one at least sees the other leaving and serves on while it drains.
const LEAVING = `
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('HSET', KEYS[2], 'leaving', '1') end
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if id ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. id) == 1 and redis.call('HGET', ARGV[2] .. id, 'leaving') ~= '1' then return 1 end
end
return 0`;

/**
 * This replica's presence: a hash of its details that expires unless it is renewed, renewed on
 * every heartbeat. A replica that dies disappears within three heartbeats.
 */
export class ReplicaPresence {
  readonly id: string;
  /** When it started, on the monotonic clock: its `startedAt` is said in Redis's clock, as `lastSeen` is (machines' clocks differ). */
  readonly #startedMono = monotonicMs();
  /** Redis server time minus this process's clock (see ClockOffset). */
  readonly #offset = new ClockOffset();
  readonly #client: Redis;
  readonly #keys: ServiceKeys;
  readonly #heartbeatMs: number;
  readonly #inFlight: () => number;
  readonly #actions: () => readonly string[];
  readonly #log: Logger;
  readonly #refusals: WriteRefusals;
  #timer?: NodeJS.Timeout;
  /** A heartbeat is on its way: in an outage ioredis holds it, and the next ones would pile up behind it. */
  #beating = false;
  /** When the heartbeat timer last fired (monotonic ms): a long gap is this process's event loop held. */
  #lastTick = 0;
  /** When the held loop was last said, and how many times it was held since. */
  #heldSaidAt = -Infinity;
  #heldSince = 0;

  constructor(init: {
    client: Redis;
    service: string;
    id: string;
    heartbeatMs: number;
    inFlight: () => number;
    /** The service's own actions: the other replicas read them (see ActionRoster). */
    actions: () => readonly string[];
    log: Logger;
    refusals: WriteRefusals;
  }) {
    this.id = init.id;
    this.#refusals = init.refusals;
    this.#client = init.client;
    this.#keys = serviceKeys(init.service);
    this.#heartbeatMs = init.heartbeatMs;
    this.#inFlight = init.inFlight;
    this.#actions = init.actions;
    this.#log = init.log;
  }

  async start(): Promise<void> {
    await this.#beat();
    this.#lastTick = monotonicMs();
    this.#timer = setInterval(() => {
      this.#noteHeldLoop();
      if (this.#beating) return;
      this.#beating = true;
      this.#beat()
        .then(
          () => this.#refusals.succeeded('heartbeats'),
          (err: unknown) => {
            // in an outage the transport said so once already; a Redis refusal is said once a streak
            if (this.#client.status === 'ready' && !this.#refusals.refused('heartbeats', err))
              this.#log.warn(`Replica heartbeat failed: ${toPlainError(err).message}`);
          },
        )
        .finally(() => (this.#beating = false));
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  /**
   * Past three heartbeats without one, the other replicas count this one as gone: they may have
   * run its requests again and taken its pub/sub lease. When the cause was this process's own
   * event loop (a long synchronous handler, a GC pause, a stopped process), its log says so, or
   * nothing on this side would (the other replica's "Took over" line names only its own side).
   * Said once a minute at most, with how many more times it happened (a tiny heartbeatMs under load).
   */
  #noteHeldLoop(): void {
    const now = monotonicMs();
    const gap = now - this.#lastTick;
    this.#lastTick = now;
    if (gap <= 3 * this.#heartbeatMs) return;
    if (now - this.#heldSaidAt < 60_000) return void this.#heldSince++;
    const more = this.#heldSince > 0 ? ` (and ${this.#heldSince} more time(s) in the minute before)` : '';
    [this.#heldSaidAt, this.#heldSince] = [now, 0];
    this.#log.warn(
      `This replica sent no heartbeat for ${(gap / 1000).toFixed(1)} s${more}: its event loop was held (a long synchronous handler, ` +
        `a GC pause, or the process was paused). Past three heartbeats (${3 * this.#heartbeatMs} ms) the other replicas count it as ` +
        'gone, and may have run its requests again and taken its pub/sub lease. Move long synchronous work to a pooled handler or a thread.',
    );
  }

  /** Mark this replica as leaving; true when another live replica is not leaving. */
  async leaving(): Promise<boolean> {
    const keys = this.#keys;
    return (await this.#client.eval(LEAVING, 2, keys.replicas, keys.replica(this.id), this.id, keys.replica(''))) === 1;
  }

  /** Leave at once: the others stop counting this replica. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    const keys = this.#keys;
    await this.#client.eval(LEAVE, 3, keys.replicas, keys.replica(this.id), keys.live, this.id, keys.replica(''));
  }

  async #beat(): Promise<void> {
    const sentAt = monotonicMs();
    const fields = [
      'id',
      this.id,
      'host',
      hostname(),
      'pid',
      String(process.pid),
      'inFlight',
      String(this.#inFlight()),
      'actions',
      JSON.stringify(this.#actions()),
    ];
    const now = Number(
      await this.#client.eval(
        HEARTBEAT,
        3,
        this.#keys.replicas,
        this.#keys.replica(this.id),
        this.#keys.live,
        String(this.#heartbeatMs * 3),
        this.id,
        this.#keys.replica(''),
        String(Math.round(sentAt - this.#startedMono)),
        ...fields,
      ),
    );
    this.#offset.sample(sentAt, now, monotonicMs());
  }

  /** Redis server time minus this process's monotonic clock (ms), from the heartbeats. */
  get serverOffsetMs(): number {
    return this.#offset.ms;
  }
}

/** The live replicas of `service` (those whose heartbeat has not expired), oldest first. */
export async function listReplicas(client: Redis, service: string): Promise<ReplicaInfo[]> {
  const keys = serviceKeys(service);
  const ids = await client.zrange(keys.replicas, 0, -1);
  if (ids.length === 0) return [];
  const pipeline = client.pipeline();
  for (const id of ids) pipeline.hgetall(keys.replica(id));
  const hashes = (await pipeline.exec()) ?? [];
  const live: ReplicaInfo[] = [];
  for (const [err, hash] of hashes) {
    const h = hash as Record<string, string> | null;
    if (err || !h?.id) continue; // expired: that replica is gone
    const actions = h.actions === undefined ? undefined : parseNames(h.actions);
    live.push({
      id: h.id,
      host: h.host ?? '',
      pid: Number(h.pid),
      startedAt: Number(h.startedAt),
      inFlight: Number(h.inFlight),
      lastSeen: Number(h.lastSeen),
      ...(actions && { actions }),
      ...(h.leaving === '1' && { leaving: true as const }),
    });
  }
  return live.sort((a, b) => a.startedAt - b.startedAt);
}

/** The action names a presence hash lists (none when the field is not a JSON array of names). */
function parseNames(text: string): string[] {
  try {
    const names: unknown = JSON.parse(text);
    return Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string') : [];
  } catch {
    return [];
  }
}
