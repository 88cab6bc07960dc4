import { toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import { isRedisReply, refusalAdvice } from './start-refusal';
import { monotonicMs } from '../../shared/clock';

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
  /** Replies only: where they were refused, `caller:*` for the callers' reply channels (this library's and Python Daebus's). */
  channels?: string[];
}

/** A refusal as the health report reads it: whether it makes the service fail, or only degrades it. */
export interface RefusalReport extends RefusedWrite {
  failing: boolean;
}

/**
 * What each kind of write is for (`name`, `loses`), and whether the service fails without it.
 * Without the renewals or the upkeep a replica still serves what it takes: they are for requests
 * that outlive the visibility timeout, and for those of a replica that died.
 */
const WRITES: Record<ServiceWrite, { name: string; loses: string; failing: boolean }> = {
  replies: { name: "the service's replies", loses: 'its callers get none', failing: true },
  heartbeats: { name: "this replica's heartbeats", loses: 'the other replicas count it as gone', failing: true },
  lease: { name: "the lease on the service's pub/sub channel", loses: 'this replica cannot take its pub/sub requests in', failing: true },
  intake: { name: 'the additions of pub/sub requests to the request stream', loses: 'each is answered with an error', failing: true },
  confirmations: { name: 'the confirmations of finished durable requests', loses: 'they run again', failing: true },
  renewals: {
    name: 'the renewals of running durable requests',
    loses: 'one that runs past the visibility timeout may run again elsewhere',
    failing: false,
  },
  upkeep: { name: "the request stream's upkeep", loses: "a dead replica's requests are not taken over", failing: false },
};

/** What a kind of write is, in words (`daebus health` says it); undefined for a kind this version does not know. */
export function refusedWriteName(what: string): string | undefined {
  return Object.hasOwn(WRITES, what) ? WRITES[what as ServiceWrite].name : undefined;
}

/** The writes Redis refuses while it is full (its scripts write keys): the replies' PUBLISH and the confirmations' XACK are not. */
const NEEDS_MEMORY: ReadonlySet<ServiceWrite> = new Set(['heartbeats', 'lease', 'intake']);

/**
 * A refusal counts this long after the last one when nothing of its kind was tried since: a
 * service whose replies were refused and that got no request since does not know whether Redis
 * takes them now, and does not stay failing for good on an old answer.
 */
export const REFUSAL_KEPT_MS = 60_000;

interface Streak extends RefusedWrite {
  lastAt: number; // on the monotonic clock: a wall clock stepped back kept a refusal current for as long
  /** The command Redis refused last (ioredis names it), when known: a success that did not run it proves nothing. */
  command: string | undefined;
  /** Where the refused writes went, as families of channels (`caller:`): a reply to another family proves nothing of these. */
  scopes: Set<string>;
}

/** The most places (families of reply channels) a streak keeps and says: past them, refusals are only counted. */
const MAX_PLACES = 16;

/** The callers' reply channels (`caller:<uuid>`, this library's and Python Daebus's): refused, the service answers no caller. */
const CALLERS = 'caller:';

/** Error replies of a Redis busy for a moment (a long script, a load at start), not refusing: the caller reports them as any failure. */
const PASSING = /^(BUSY|LOADING|TRYAGAIN|MASTERDOWN)\b/;

/**
 * The writes Redis refuses at run time, a NOPERM or an OOM and not a lost connection (the
 * transport reports those): health says so, since a service whose replies or heartbeats Redis
 * refuses serves nothing while its connections look fine. A streak of refusals of one kind is
 * logged once when it starts and once when it ends: when a write of that kind succeeds that
 * shows Redis takes what it refused (the same command, to the same family of channels).
 */
export class WriteRefusals {
  readonly #log: Logger;
  readonly #where: string;
  readonly #refused = new Map<ServiceWrite, Streak>();
  /** The errors taken as refusals (logged here): a caller that sees one again need not say it. */
  readonly #taken = new WeakSet<object>();

  constructor(log: Logger, where: string) {
    this.#log = log;
    this.#where = where;
  }

  /**
   * A write of `what` (to `scope`, a reply's channel) failed with `err`: true when Redis refused it
   * (its error reply, or one wrapped as `cause`), recorded and logged here when it starts a
   * streak; false for any other failure, left to the caller to report.
   */
  refused(what: ServiceWrite, err: unknown, scope?: string): boolean {
    const reply = isRedisReply(err)
      ? err
      : isRedisReply((err as { cause?: unknown } | null)?.cause)
        ? (err as { cause: unknown }).cause
        : undefined;
    if (reply === undefined) return false;
    const error = withoutScriptPlace(toPlainError(reply).message);
    if (PASSING.test(error)) return false;
    const command = (reply as { command?: { name?: unknown } }).command?.name;
    const family = familyOf(scope);
    const now = monotonicMs();
    let streak = this.#current(what, now);
    if (streak) {
      streak.count += 1;
      streak.error = error;
      streak.lastAt = now;
      // refused somewhere else too: said once for each place, up to a bound (each request may name its own reply channel)
      if (!streak.scopes.has(family) && streak.scopes.size < MAX_PLACES)
        this.#log.warn(`Redis at ${this.#where} refuses ${WRITES[what].name}${to(family)} too (${error}).`, { refused: what });
    } else {
      streak = { what, error, since: Date.now(), count: 1, lastAt: now, command: undefined, scopes: new Set() };
      this.#refused.set(what, streak);
      const { name, loses, failing } = WRITES[what];
      const health =
        what === 'replies'
          ? "Health reports failing while the callers' reply channels (caller:*) are refused, degraded for other channels"
          : `Health reports ${failing ? 'failing' : 'degraded'} until Redis takes one again`;
      this.#log.warn(
        `Redis at ${this.#where} refuses ${name}${to(family)}: ${loses} (${error.replace(/\.$/, '')}).${refusalAdvice(error)} ` +
          `${health}; the refusals that follow are counted, not logged each.`,
        { refused: what },
      );
    }
    streak.command = typeof command === 'string' ? command.toLowerCase() : undefined;
    if (streak.scopes.size < MAX_PLACES) streak.scopes.add(family);
    this.#taken.add(err as object);
    return true;
  }

  /** Whether `err` was taken as a refusal here (and so said already). */
  took(err: unknown): boolean {
    return typeof err === 'object' && err !== null && this.#taken.has(err);
  }

  /**
   * A write of `what` succeeded (to `scope`; having run the commands `ran`, where a job runs some
   * only at times): a streak of its refusals ends (said once) when it shows Redis takes what it
   * refused. Cheap when nothing is refused: it runs for every reply.
   */
  succeeded(what: ServiceWrite, scope?: string, ran?: readonly string[]): void {
    if (this.#refused.size === 0) return;
    const streak = this.#refused.get(what);
    if (streak !== undefined && (ran === undefined || streak.command === undefined || ran.includes(streak.command))) {
      streak.scopes.delete(familyOf(scope));
      if (scope === undefined || streak.scopes.size === 0) this.#end(streak);
    }
    // a full memory is the server's: a write that needs memory taken shows it is there for the
    // others too (intake, tried only as requests come, stayed refused once Redis had room again)
    if (NEEDS_MEMORY.has(what)) for (const other of this.#refused.values()) if (other.error.startsWith('OOM')) this.#end(other);
  }

  #end(streak: Streak): void {
    this.#refused.delete(streak.what);
    this.#log.info(`Redis at ${this.#where} takes ${WRITES[streak.what].name} again (${streak.count} refused before).`, {
      refused: streak.what,
    });
  }

  /** Whether Redis refused the last write of `what` (within REFUSAL_KEPT_MS). */
  refusing(what: ServiceWrite): boolean {
    return this.#current(what, monotonicMs()) !== undefined;
  }

  /**
   * The kinds refused at their last try, within REFUSAL_KEPT_MS. Replies refused fail the service
   * when the callers' channels are among them; refused on other channels alone (a request's own
   * `reply_to`), they degrade it: one publisher's request must not take the service out of a load balancer.
   */
  current(now = monotonicMs()): RefusalReport[] {
    const shown: RefusalReport[] = [];
    for (const what of this.#refused.keys()) {
      const streak = this.#current(what, now);
      if (!streak) continue;
      const { error, since, count } = streak;
      if (what !== 'replies') {
        shown.push({ what, error, since, count, failing: WRITES[what].failing });
        continue;
      }
      const channels = [...streak.scopes].filter((family) => family !== '').map((family) => (family.endsWith(':') ? `${family}*` : family));
      shown.push({ what, error, since, count, channels, failing: streak.scopes.has(CALLERS) });
    }
    return shown;
  }

  #current(what: ServiceWrite, now: number): Streak | undefined {
    const streak = this.#refused.get(what);
    if (streak === undefined || now - streak.lastAt <= REFUSAL_KEPT_MS) return streak;
    // nothing of its kind tried for a while: not known to be refused any more
    this.#refused.delete(what);
    return undefined;
  }
}

/** A channel's family: up to its last `:` (`caller:` for every caller's reply channel), else the whole name; '' for none. */
function familyOf(channel: string | undefined): string {
  if (channel === undefined) return '';
  const colon = channel.lastIndexOf(':');
  return colon < 0 ? channel : channel.slice(0, colon + 1);
}

/** ` to "caller:*"` (a reply channel's family), or nothing. */
function to(family: string): string {
  return family === '' ? '' : ` to "${family.endsWith(':') ? `${family}*` : family}"`;
}

/** Redis's message without where in which script it came (`script: <sha>, on @user_script:5.`): noise to a reader. */
function withoutScriptPlace(message: string): string {
  return message.replace(/\.? script: [0-9a-f]+, on @user_script:\d+\.?$/, '.');
}
