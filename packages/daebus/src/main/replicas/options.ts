import { checker, MAX_TIMEOUT_MS, withoutUndefined } from '../../shared/validate';

/** Options of `app.run({ replicas })` / `app.start({ replicas })`: how this replica takes part. */
export interface ReplicaOptions {
  /**
   * How long a durable request may stay with a replica that stopped answering for it (it died)
   * before another replica takes it over. A live replica keeps its requests however long their
   * handlers run. Default 30 000 ms.
   */
  visibilityTimeoutMs?: number | undefined;
  /** Deliveries of one durable request before it goes to the dead-letter stream. Default 5. */
  maxAttempts?: number | undefined;
  /** How often a replica says it is alive; it counts as gone after three missed heartbeats. Default 1 000 ms. */
  heartbeatMs?: number | undefined;
  /** Durable requests read from the stream at most at once (all actions together). Default 256. */
  maxInFlight?: number | undefined;
  /**
   * The deadline given to a request that waits for a reply but brings none (Python Daebus callers
   * publish no timeout): after this long in the stream, counted from when the replica holding the
   * channel took it in, it is dropped unrun. Set it to your Python callers' timeout. Default
   * 30 000 ms, as `visibilityTimeoutMs`: such a request is dropped rather than run again after
   * its replica died. Messages that wait for no reply get no deadline.
   */
  untimedRequestTimeoutMs?: number | undefined;
}

export type ResolvedReplicaOptions = Required<ReplicaOptions>;

/** The defaults, in one place (documented in the package README). */
export const DEFAULT_REPLICA_OPTIONS = Object.freeze({
  visibilityTimeoutMs: 30_000,
  maxAttempts: 5,
  heartbeatMs: 1_000,
  maxInFlight: 256,
  untimedRequestTimeoutMs: 30_000,
} satisfies ResolvedReplicaOptions);

/**
 * The longest heartbeat: a replica's timers wait up to three of them, and Node fires a longer timer
 * at once (a heartbeatMs of 2^30 made the channel's watch poll Redis every millisecond).
 */
const MAX_HEARTBEAT_MS = Math.floor(MAX_TIMEOUT_MS / 3);

export function resolveReplicaOptions(options: true | ReplicaOptions): ResolvedReplicaOptions {
  if (options === true) return { ...DEFAULT_REPLICA_OPTIONS };
  const check = checker('start(options): options.replicas');
  check.knownKeys('options.replicas', check.plainObject('options.replicas', options), Object.keys(DEFAULT_REPLICA_OPTIONS));
  const o = { ...DEFAULT_REPLICA_OPTIONS, ...withoutUndefined(options) };
  check.timeout('visibilityTimeoutMs', o.visibilityTimeoutMs);
  check.count('maxAttempts', o.maxAttempts, 1);
  // whole (Redis takes three of them as the presence's PX), and three of them within Node's longest timer
  if (!(Number.isInteger(o.heartbeatMs) && o.heartbeatMs >= 1 && o.heartbeatMs <= MAX_HEARTBEAT_MS)) {
    check.fail(
      'heartbeatMs',
      `a whole number of milliseconds from 1 to ${MAX_HEARTBEAT_MS} (a replica counts as gone after three)`,
      o.heartbeatMs,
    );
  }
  check.count('maxInFlight', o.maxInFlight, 1);
  check.timeout('untimedRequestTimeoutMs', o.untimedRequestTimeoutMs);
  return o;
}
