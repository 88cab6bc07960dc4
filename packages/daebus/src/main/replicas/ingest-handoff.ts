import { monotonicMs } from '../../shared/clock';
import { settlesWithin } from '../support/timers';
import type { MessageHandler } from '../transport/transport';
import { handoffMessage } from './handoff-message';
import type { IngestLease } from './ingest-lease';

/**
 * The hand-off of the ingest lease from a replica that stops to another, without a gap. The
 * leaving holder offers its lease on the hand-off channel; a replica that hears it subscribes to
 * the service's channel first, then takes the lease over in a step that publishes its marker on
 * the hand-off channel (see TAKE_OVER in ingest-lease.ts). Both stay subscribed meanwhile: the
 * old holder adds what it receives before the marker, the taker what it receives after. Each
 * connection receives the channel's messages and the marker in the order Redis published them,
 * so no request published meanwhile is missed or added twice. (Letting go of the lease first
 * left the channel to no replica for four round trips: 10-100 ms under load.)
 */
export class IngestHandoff {
  /**
   * Messages from the channel are not added: while this replica takes a lease over, until its
   * marker (the leaving holder adds what came before it), and once its own lease is taken over.
   */
  ignoring = false;
  readonly #lease: IngestLease;
  readonly #id: string;
  readonly #waitMs: number;
  readonly #subscribe: () => Promise<void>;
  readonly #unsubscribe: () => Promise<void>;
  readonly #tick: () => void;
  readonly #took: (epoch: string) => void;
  /** A lease another replica offers as it leaves: taken over at the next tick. */
  #offered?: string;
  /** Taking a lease over: its marker ends `ignoring`. */
  #takingOver = false;
  /** Set while this replica offers its lease: called when the marker of the replica that took it comes. */
  #handedOver?: () => void;
  /** Counts the take-overs: a late look for a lost marker is about its own. */
  #round = 0;
  /** Messages not added during this take-over. */
  #skipped = 0;
  readonly #unadded: (count: number) => void;
  #stopped = false;

  constructor(init: {
    lease: IngestLease;
    id: string;
    /**
     * How long a leaving holder waits for a taker (then it lets go of the lease, as older versions do): two and a half
     * heartbeats, so that a taker busy for two (fewer than the three that count it gone) still takes it before the
     * offered lease, three heartbeats long, lapses.
     */
    waitMs: number;
    subscribe: () => Promise<void>;
    unsubscribe: () => Promise<void>;
    /** Try to take the lease (or an offered one): a tick of the leader. */
    tick: () => void;
    /** The lease of `epoch` is this replica's, and what the channel brings from now on its own. */
    took: (epoch: string) => void;
    /** A take-over failed as the holder let go first: up to `count` messages received meanwhile were not added by either. */
    unadded: (count: number) => void;
  }) {
    this.#lease = init.lease;
    this.#id = init.id;
    this.#waitMs = init.waitMs;
    this.#subscribe = init.subscribe;
    this.#unsubscribe = init.unsubscribe;
    this.#tick = init.tick;
    this.#took = init.took;
    this.#unadded = init.unadded;
  }

  /** A message from the channel not added (`ignoring`): counted while this replica takes a lease over. */
  skip(): void {
    if (this.#takingOver) this.#skipped++;
  }

  /** The offer heard last, once. */
  takeOffer(): string | undefined {
    const offered = this.#offered;
    this.#offered = undefined;
    return offered;
  }

  /** This replica stops: it takes no offer from now on. */
  stop(): void {
    this.#stopped = true;
  }

  readonly onMessage: MessageHandler = (message) => {
    const said = handoffMessage(message);
    if (said === undefined) return this.#tick(); // a lease released (by any version of this library)
    if (said.kind === 'offer') {
      if (said.by === this.#id || this.#stopped) return;
      this.#offered = said.by;
      return this.#tick();
    }
    // a marker: in the channel's order, what comes after it is the taker's
    if (said.by === this.#id) return this.#markerCame(said.epoch);
    if (this.#handedOver !== undefined) {
      this.ignoring = true;
      this.#handedOver();
    }
  };

  /** Offer the lease of `epoch` and wait for a replica to take it over: false if none did (no other replica, or only older versions). */
  async handOver(epoch: string): Promise<boolean> {
    const taken = new Promise<void>((resolve) => (this.#handedOver = resolve));
    const heard = await this.#lease.offer(epoch).catch(() => -1);
    const handed = heard > 0 && (await settlesWithin(taken, this.#waitMs));
    this.#handedOver = undefined;
    return handed;
  }

  /** Take over the lease `holder` offers: its epoch and when the take was sent, or undefined (another took it, or it was withdrawn). */
  async takeOver(holder: string): Promise<{ epoch: string; sentAt: number } | undefined> {
    this.ignoring = true;
    this.#takingOver = true;
    this.#skipped = 0;
    const round = ++this.#round;
    let taken: string | 'taken' | 'withdrawn' | undefined;
    const sentAt = monotonicMs();
    try {
      await this.#subscribe();
      taken = this.#stopped ? undefined : await this.#lease.takeOver(holder);
    } finally {
      if (taken === undefined || taken === 'taken' || taken === 'withdrawn') {
        this.#takingOver = false;
        // taken by another: what came before its marker was the old holder's, after it the taker's; withdrawn: the holder
        // let go of it (a lease let go of is told of, and taken as any), and what came after it stopped adding was no one's
        if (taken === 'withdrawn' && this.#skipped > 0) this.#unadded(this.#skipped);
        await this.#unsubscribe().catch(() => undefined);
      }
    }
    const epoch = taken === 'taken' || taken === 'withdrawn' ? undefined : taken;
    if (epoch === undefined) return undefined;
    // a marker lost with the subscriber's connection (a reconnect) must not leave the channel unread
    if (this.#takingOver) setTimeout(() => round === this.#round && this.#markerCame(epoch), 2 * this.#waitMs).unref();
    return { epoch, sentAt };
  }

  /** This replica took the lease itself (not over): it adds what the channel brings. */
  tookItself(): void {
    this.#takingOver = false;
    this.ignoring = false;
  }

  #markerCame(epoch: string): void {
    if (!this.#takingOver) return;
    this.tookItself();
    this.#took(epoch);
  }
}
