import { randomUUID } from 'node:crypto';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { ServiceBus } from '../rpc/service-bus';
import { NOT_UTF8_REQUEST } from '../rpc/wire';
import type { Logger } from '../support/logger';
import { settlesWithin } from '../support/timers';
import type { DurableHooks } from '../rpc/accepted';
import { ActionRoster } from './action-roster';
import { RequestConsumer } from './consumer';
import { IngestLeader } from './ingest';
import type { ResolvedReplicaOptions } from './options';
import { ReplicaPresence } from './presence';
import { serviceKeys } from './keys';
import { trackReads, untrackReads } from './read-health';
import { reportUnfinished } from './stop-report';
import { redisStartError } from '../transport/start-refusal';
import { monotonicMs } from '../../shared/clock';

/**
 * How long each half of a stop (intake, then leaving) waits for Redis. While Redis is down,
 * ioredis holds every command until it reconnects, for as long as that takes: a stop waiting
 * for them would never end. What is not done by then waits in Redis for the other replicas.
 */
const STOP_WAIT_MS = 3_000;
/**
 * How long a request for an action another replica has waits here before it goes back to the
 * stream, for each such request waiting here (up to HAND_OVER_MAX_MS): while the replicas that
 * have the action are busy (they read nothing), a replica hands requests back at about 50 a
 * second, not as fast as it reads them again.
 */
const HAND_OVER_DELAY_MS = 20;
/** How long a stop waits for Redis to say whether other replicas are live. */
const OTHERS_WAIT_MS = 1_000;
const HAND_OVER_MAX_MS = 1_000;

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
  readonly #roster: ActionRoster;
  /** Requests for another replica's action, waiting to go back to the stream: a stop sends them at once. */
  readonly #handOvers = new Set<() => void>();
  /** The actions whose requests were handed over already (said once each). */
  readonly #handedOver = new Set<string>();
  /** The stop could not release the ingest lease this replica held. */
  #leaseHeld = false;
  #stopping = false;

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
      actions: () => bus.actionNames(),
      log,
      refusals: bus.refusals,
    });
    this.#consumer = new RequestConsumer({
      client,
      service,
      id: this.id,
      options,
      sink: bus,
      log,
      serverNow: () => monotonicMs() + this.presence.serverOffsetMs,
      joinHeldWrites: bus.transport.joinHeldWrites?.bind(bus.transport),
      refusals: bus.refusals,
    });
    this.#roster = new ActionRoster(client, service, this.id);
    bus.unknownDurable = (action, raw, durable) => {
      void this.#unknownAction(action, raw, durable);
      return true;
    };
    this.#ingest = new IngestLeader({
      client,
      transport: bus.transport,
      service,
      id: this.id,
      heartbeatMs: options.heartbeatMs,
      untimedRequestTimeoutMs: options.untimedRequestTimeoutMs,
      // its refusal is logged as any request's ("Rejected a request ..."), once
      refuse: (raw, unadded) => {
        // a Redis refusal is said once a streak, not once a request
        const said = unadded !== undefined && bus.refusals.refused('intake', unadded);
        bus.refuse(raw, intakeRefusal(service, unadded), !said);
      },
      refusals: bus.refusals,
      answerBuiltinHere: (raw, leaseSure) => bus.answerBuiltinHere(raw, leaseSure),
      log,
    });
  }

  async start(): Promise<void> {
    try {
      // answering on its own channel before it is listed, so that whoever finds it there can ask it
      await this.#bus.answerBuiltinsOn(this.#actionsChannel);
      await this.presence.start();
      await this.#consumer.start();
      await this.#ingest.start();
    } catch (err) {
      // what the start opened goes with it: the stream reader's connection kept the process alive
      // after a failed start (a Redis user refused CLIENT ID), and the replica stayed listed
      await Promise.all(
        [this.#ingest.stop(), this.presence.stop(), this.#consumer.close(STOP_WAIT_MS)].map((step) => settlesWithin(step, STOP_WAIT_MS)),
      );
      throw redisStartError(err, `a replica of service "${this.#bus.service}"`);
    }
    trackReads(this.id, this.#consumer.reads);
  }

  /**
   * At the start of a stop: {@link stopIntake} now when another replica is live to take what this
   * one stops taking in (true); else (it is the last, or Redis does not say within a second) not
   * yet: the last replica serves on while its routes and tasks drain, as a lone service does.
   */
  async handOverIfOthersLive(): Promise<boolean> {
    // two replicas stopping at once: the one that looks second sees the first leaving, and serves on
    if (!(await succeedsWithin(this.presence.leaving(), OTHERS_WAIT_MS))) return false;
    await this.stopIntake();
    return true;
  }

  /** Take no new requests; hand back the ones taken and not started. */
  async stopIntake(): Promise<void> {
    this.#stopping = true;
    const [released] = await Promise.all([succeedsWithin(this.#ingest.stop(), STOP_WAIT_MS), this.#consumer.stopReading(STOP_WAIT_MS)]);
    this.#leaseHeld = !released;
    this.#bus.handBackWaiting();
    for (const handOver of [...this.#handOvers]) handOver();
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

  /**
   * A request read from the stream for an action this replica does not have. Another live replica
   * may have it (old and new code side by side, in a rolling deploy): the request goes back to the
   * stream for that one. Otherwise, UNKNOWN_ACTION, as without replicas.
   */
  async #unknownAction(action: string, raw: string, durable: DurableHooks): Promise<void> {
    if (!(await this.#roster.othersHave(action))) {
      this.#bus.refuse(raw, this.#bus.unknownAction(action));
      durable.done();
      return;
    }
    if (!this.#handedOver.has(action)) {
      this.#handedOver.add(action);
      this.#log.info(
        `Requests for "${action}", an action this replica does not have and another live replica has, go back to the request stream ` +
          'for that one (old and new code side by side, as in a rolling deploy)',
      );
    }
    await new Promise<void>((resolve) => {
      const go = (): void => {
        clearTimeout(timer);
        this.#handOvers.delete(go);
        resolve();
      };
      const waitMs = Math.min(HAND_OVER_MAX_MS, HAND_OVER_DELAY_MS * (this.#handOvers.size + 1));
      const timer = setTimeout(go, this.#stopping ? 0 : waitMs);
      this.#handOvers.add(go);
    });
    durable.handBack();
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

/** Why the intake answers a request with an error instead of adding it: its bytes are not UTF-8, or Redis refused the add (`unadded`). */
function intakeRefusal(service: string, unadded: unknown): DaebusError {
  if (unadded === undefined) return new DaebusError(ErrorCodes.BAD_REQUEST, NOT_UTF8_REQUEST);
  const why = toPlainError(unadded).message;
  return new DaebusError(
    ErrorCodes.TRANSPORT_ERROR,
    `Service "${service}" could not take the request in: Redis refused to add it to its request stream (${why}). It did not run.`,
  );
}
