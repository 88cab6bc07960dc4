/**
 * The Redis keys of a replicated service, in one place. Every key of service `s` starts with
 * `daebus:{s}:` (braces: a Redis Cluster hash tag, so that a service's keys share a slot and its
 * Lua scripts may touch several of them).
 */
export interface ServiceKeys {
  /** Stream of durable requests, read by the replicas' consumer group. */
  requests: string;
  /** Stream of requests given up on after too many attempts. */
  dead: string;
  /** Sorted set of replica ids, scored by their last heartbeat (server time, ms). */
  replicas: string;
  /** Hash of one replica's details; expires when its heartbeats stop. */
  replica(id: string): string;
  /** Present while any replica lives: callers send durable requests then. */
  live: string;
  /** The lease of the replica that takes pub/sub requests into the stream. */
  ingest: string;
  /** Counter of the ingest leases taken: only the holder of the latest may add to the stream. */
  ingestEpoch: string;
  /** When a replica first deferred to the former lease holder after Redis lost the lease with its data (server ms). */
  ingestDeferred: string;
  /** The last add of the current ingest epoch (`<epoch>:<seq>`): an add ioredis sends again after a reconnect is not made twice. */
  ingestSeq: string;
  /** The id of an ingest leader that is leaving and offers its lease to another replica (see IngestLeader's hand-off). */
  ingestOffer: string;
  /** `<epoch>:<seq>` of the leader whose lease another took over: its adds of what it received before are still taken a while. */
  ingestDraining: string;
  /** Pub/sub channel on which a leaving ingest leader tells the others to take over. */
  handoff: string;
  /** Pub/sub channel on which one replica answers the built-in actions (daebus.*) about itself. */
  replicaActions(id: string): string;
  /** A service-wide structure. */
  structure(kind: 'map' | 'list' | 'queue', name: string): string;
  /** A service-wide queue's count of items put and not yet done (for join). */
  unfinished(name: string): string;
  /** A service-wide capped list's `max`, as the first process that gave one declared it. */
  listMax(name: string): string;
}

/** The consumer group every replica of a service reads its requests in. */
export const REQUEST_GROUP = 'daebus';

export function serviceKeys(service: string): ServiceKeys {
  const base = `daebus:{${service}}:`;
  return {
    requests: `${base}requests`,
    dead: `${base}dead`,
    replicas: `${base}replicas`,
    replica: (id) => `${base}replica:${id}`,
    live: `${base}live`,
    ingest: `${base}ingest`,
    ingestEpoch: `${base}ingest-epoch`,
    ingestDeferred: `${base}ingest-deferred`,
    ingestSeq: `${base}ingest-seq`,
    ingestOffer: `${base}ingest-offer`,
    ingestDraining: `${base}ingest-draining`,
    handoff: `${base}handoff`,
    replicaActions: (id) => `${base}replica-actions:${id}`,
    structure: (kind, name) => `${base}${kind}:${name}`,
    unfinished: (name) => `${base}queue-unfinished:${name}`,
    listMax: (name) => `${base}list-max:${name}`,
  };
}
