import type { Logger } from '../support/logger';

/** What a stop could not do in Redis (it was unreachable): requests another replica takes over after the visibility timeout. */
export interface LeftInRedis {
  notHandedBack: number;
  unconfirmed: number;
  /** The last read did not return: what it brings stays pending. */
  readOpen: boolean;
}

/** What a replica's stop could not tell Redis, because Redis did not answer in time. */
export interface Unfinished extends LeftInRedis {
  leaseHeld: boolean;
  presenceLeft: boolean;
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/**
 * One line for all that a stop gave up on in Redis (nothing when it gave up on nothing): none of
 * it is lost, it waits in Redis for the other replicas, and the operator learns what and how long.
 */
export function reportUnfinished(log: Logger, left: Unfinished, options: { visibilityTimeoutMs: number; heartbeatMs: number }): void {
  const requests: string[] = [];
  if (left.notHandedBack > 0) requests.push(`${plural(left.notHandedBack, 'request')} could not be handed back`);
  if (left.unconfirmed > 0) requests.push(`${plural(left.unconfirmed, 'finished request')} could not be confirmed (they may run again)`);
  if (left.readOpen) requests.push('the read under way was cut off');
  const lapses = `within ${options.heartbeatMs * 3} ms`;
  const other: string[] = [];
  if (left.leaseHeld) other.push(`the pub/sub lease was not released (it lapses ${lapses})`);
  if (left.presenceLeft) other.push(`this replica was not taken off the live ones (it drops off ${lapses})`);
  if (requests.length + other.length === 0) return;
  const takeover =
    requests.length > 0
      ? `. Another replica takes over what this one held after visibilityTimeoutMs (${options.visibilityTimeoutMs} ms)`
      : '';
  log.warn(`Redis is unreachable, the stop went on without it: ${[...requests, ...other].join('; ')}${takeover}`);
}
