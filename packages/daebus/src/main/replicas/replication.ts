import { randomUUID } from 'node:crypto';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { ServiceBus } from '../rpc/service-bus';
import { NOT_UTF8_REQUEST } from '../rpc/wire';
import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import { RequestConsumer } from './consumer';
import { IngestLeader } from './ingest';
import type { ResolvedReplicaOptions } from './options';
import { ReplicaPresence } from './presence';
import { serviceKeys } from './keys';
import { trackReads, untrackReads } from './read-health';
import { reportUnfinished } from './stop-report';

/**
 * How long each half of a stop (intake, then leaving) waits for Redis. While Redis is down,
 * ioredis holds every command until it reconnects, for as long as that takes: a stop waiting
 * for them would never end. What is not done by then waits in Redis for the other replicas.
 */
const STOP_WAIT_MS = 3_000;

/**
 * This process as one replica of its service: present (heartbeats), reading the durable request
 * stream with the others, and, while it holds the lease, taking the service channel's pub/sub
 * requests into that stream. Up in that order; down as intake first (no new requests; waiting
 * ones handed back), then, after the drain, presence.
 */
export class Replication {
  readonly id = randomUUID();
  readonly presence: ReplicaPresence;
  readonly #consumer: RequestConsumer;
  readonly #ingest: IngestLeader;
  readonly #bus: ServiceBus;
  readonly #options: ResolvedReplicaOptions;
  readonly #log: Logger;
  readonly #actionsChannel: string;
  /** The stop could not release the ingest lease this replica held. */
  #leaseHeld = false;

  constructor(bus: ServiceBus, options: ResolvedReplicaOptions, logger: Logger) {
    const client = bus.transport.cache?.();
    if (!client) {
      throw new DaebusError(
        ErrorCodes.INVALID_OPTION,
        'start(options): options.replicas needs the Redis transport (redis option or REDIS_URL): replicas share their work through Redis.',
      );
    }
    const log = logger.child({ replica: this.id });
    const service = bus.service;
    this.#bus = bus;
    this.#options = options;
    this.#log = log;
    this.#actionsChannel = serviceKeys(service).replicaActions(this.id);
    this.presence = new ReplicaPresence({
      client,
      service,
      id: this.id,
      heartbeatMs: options.heartbeatMs,
      inFlight: () => bus.acceptedCount,
      log,
    });
    this.#consumer = new RequestConsumer({
      client,
      service,
      id: this.id,
      options,
      sink: bus,
      log,
      serverNow: () => Date.now() + this.presence.serverOffsetMs,
      joinHeldWrites: bus.transport.joinHeldWrites?.bind(bus.transport),
    });
    this.#ingest = new IngestLeader({
      client,
      transport: bus.transport,
      service,
      id: this.id,
      heartbeatMs: options.heartbeatMs,
      untimedRequestTimeoutMs: options.untimedRequestTimeoutMs,
      refuseNotUtf8: (raw) => bus.refuse(raw, new DaebusError(ErrorCodes.BAD_REQUEST, NOT_UTF8_REQUEST)),
      answerBuiltinHere: (raw, leaseSure) => bus.answerBuiltinHere(raw, leaseSure),
      log,
    });
  }

  async start(): Promise<void> {
    // answering on its own channel before it is listed, so that whoever finds it there can ask it
    await this.#bus.answerBuiltinsOn(this.#actionsChannel);
    await this.presence.start();
    await this.#consumer.start();
    await this.#ingest.start();
    trackReads(this.id, this.#consumer.reads);
  }

  /** Take no new requests; hand back the ones taken and not started. */
  async stopIntake(): Promise<void> {
    const [released] = await Promise.all([succeedsWithin(this.#ingest.stop(), STOP_WAIT_MS), this.#consumer.stopReading(STOP_WAIT_MS)]);
    this.#leaseHeld = !released;
    this.#bus.handBackWaiting();
  }

  /** After the drain: leave. Requests still running here stay pending; another replica takes them over. */
  async close(): Promise<void> {
    untrackReads(this.id);
    // not awaited: with Redis down it would wait for the connection; closing the bus ends it anyway
    void this.#bus.leave(this.#actionsChannel);
    const gone = succeedsWithin(this.presence.stop(), STOP_WAIT_MS);
    const left = await this.#consumer.close(STOP_WAIT_MS);
    reportUnfinished(this.#log, { ...left, leaseHeld: this.#leaseHeld, presenceLeft: !(await gone) }, this.#options);
  }
}

/** Whether `work` succeeded within `ms` (true from a stop step that resolves to true or to nothing). */
async function succeedsWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let ok = false;
  await settlesWithin(
    work.then((result) => (ok = result !== false)),
    ms,
  );
  return ok;
}
