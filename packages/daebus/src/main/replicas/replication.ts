import { randomUUID } from 'node:crypto';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import type { ServiceBus } from '../rpc/service-bus';
import type { Logger } from '../support/logger';
import { RequestConsumer } from './consumer';
import { IngestLeader } from './ingest';
import type { ResolvedReplicaOptions } from './options';
import { ReplicaPresence } from './presence';

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
      log,
    });
  }

  async start(): Promise<void> {
    await this.presence.start();
    await this.#consumer.start();
    await this.#ingest.start();
  }

  /** Take no new requests; hand back the ones taken and not started. */
  async stopIntake(): Promise<void> {
    await this.#ingest.stop();
    await this.#consumer.stopReading();
    this.#bus.handBackWaiting();
  }

  /** After the drain: leave. Requests still running here stay pending; another replica takes them over. */
  async close(): Promise<void> {
    await this.#consumer.close();
    await this.presence.stop().catch(() => undefined);
  }
}
