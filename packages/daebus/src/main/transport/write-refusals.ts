import { toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { isRedisReply, refusalAdvice } from './start-refusal';

/** What a service writes to Redis as it serves, by the name its health report gives each. */
export type ServiceWrite = 'replies' | 'heartbeats' | 'lease' | 'intake' | 'confirmations' | 'renewals' | 'upkeep';

/** A kind of write Redis refused the last time it was tried, as the health report shows it. */
export interface RefusedWrite {
  /** Which writes: `replies`, `heartbeats`, `lease`, `intake`, `confirmations`, `renewals` or `upkeep`. */
  what: ServiceWrite;
  /** Redis's error reply to the last one (`NOPERM ...`, `OOM ...`). */
  error: string;
  /** When the first of this streak was refused (ms since the epoch). */
  since: number;
  /** How many were refused since. */
  count: number;
}

/**
 * What each kind of write is for, and whether the service fails without it. Without the renewals
 * or the upkeep a replica still serves what it takes: they are for requests that outlive the
 * visibility timeout, and for those of a replica that died.
 */
const WRITES: Record<ServiceWrite, { says: string; failing: boolean }> = {
  replies: { says: "the service's replies: its callers get none", failing: true },
  heartbeats: { says: "this replica's heartbeats: the other replicas count it as gone", failing: true },
  lease: { says: "the lease on the service's pub/sub channel: this replica cannot take its pub/sub requests in", failing: true },
  intake: { says: 'adding pub/sub requests to the request stream: each is answered with an error', failing: true },
  confirmations: { says: 'the confirmations of finished durable requests: they run again', failing: true },
  renewals: {
    says: 'the renewals of running durable requests: one that runs past the visibility timeout may run again elsewhere',
    failing: false,
  },
  upkeep: { says: "the request stream's upkeep: a dead replica's requests are not taken over", failing: false },
};

/**
 * A refusal counts this long after the last one when nothing of its kind was tried since: a
 * service whose replies were refused and that got no request since does not know whether Redis
 * takes them now, and does not stay failing for good on an old answer.
 */
export const REFUSAL_KEPT_MS = 60_000;

/** Whether a refusal of `what` makes the service fail (not ready) rather than be degraded. */
export function refusalFails(what: ServiceWrite): boolean {
  return WRITES[what].failing;
}

/**
 * The writes Redis refuses at run time, a NOPERM or an OOM and not a lost connection (the
 * transport reports those): health says so, since a service whose replies or heartbeats Redis
 * refuses serves nothing while its connections look fine. A streak of refusals of one kind is
 * logged once when it starts and once when a write of that kind succeeds again; a success of one
 * kind clears that kind only.
 */
export class WriteRefusals {
  readonly #log: Logger;
  readonly #where: string;
  readonly #refused = new Map<ServiceWrite, RefusedWrite & { lastAt: number }>();

  constructor(log: Logger, where: string) {
    this.#log = log;
    this.#where = where;
  }

  /**
   * A write of `what` failed with `err`: true when Redis refused it (its error reply, or one
   * wrapped as `cause`), recorded and logged here when it starts a streak; false for any other
   * failure, left to the caller to report.
   */
  refused(what: ServiceWrite, err: unknown): boolean {
    const reply = isRedisReply(err)
      ? err
      : isRedisReply((err as { cause?: unknown } | null)?.cause)
        ? (err as { cause: unknown }).cause
        : undefined;
    if (reply === undefined) return false;
    const error = toPlainError(reply).message;
    const now = Date.now();
    const streak = this.#current(what, now);
    if (streak) {
      streak.count += 1;
      streak.error = error;
      streak.lastAt = now;
      return true;
    }
    this.#refused.set(what, { what, error, since: now, count: 1, lastAt: now });
    const { says, failing } = WRITES[what];
    this.#log.warn(
      `Redis at ${this.#where} refuses ${says} (${error.replace(/\.$/, '')}).${refusalAdvice(error)} Health reports ${failing ? 'failing' : 'degraded'} ` +
        'until Redis takes one again; the refusals that follow are counted, not logged each.',
      { refused: what },
    );
    return true;
  }

  /** A write of `what` succeeded: a streak of its refusals ends (said once). Cheap when none: it runs for every reply. */
  succeeded(what: ServiceWrite): void {
    if (this.#refused.size === 0) return;
    const streak = this.#refused.get(what);
    if (streak === undefined) return;
    this.#refused.delete(what);
    this.#log.info(`Redis at ${this.#where} takes ${WRITES[what].says.split(':')[0]} again (${streak.count} refused before).`, {
      refused: what,
    });
  }

  /** The kinds refused at their last try, within REFUSAL_KEPT_MS. */
  current(now = Date.now()): RefusedWrite[] {
    const shown: RefusedWrite[] = [];
    for (const what of this.#refused.keys()) {
      const streak = this.#current(what, now);
      if (streak) shown.push({ what, error: streak.error, since: streak.since, count: streak.count });
    }
    return shown;
  }

  #current(what: ServiceWrite, now: number): (RefusedWrite & { lastAt: number }) | undefined {
    const streak = this.#refused.get(what);
    if (streak === undefined || now - streak.lastAt <= REFUSAL_KEPT_MS) return streak;
    // nothing of its kind tried for a while: not known to be refused any more
    this.#refused.delete(what);
    return undefined;
  }
}
