import type { Redis } from 'ioredis';
import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { Logger } from '../support/logger';
import type { RequestSink } from './request-sink';
import { REQUEST_GROUP, serviceKeys, type ServiceKeys } from './keys';

/** A durable request given up on after too many attempts, as `listDeadLetters` returns it. */
export interface DeadLetter {
  /** Its entry id in the dead-letter stream. */
  id: string;
  /** The request as it was sent (the wire format's JSON). */
  message: string;
  /** Its id in the request stream when it was given up on. */
  requestEntry: string;
  /** How many deliveries it had before the one that gave it up (which did not run it): the runs that ended unanswered. */
  attempts: number;
  /** When it was given up on (ms since the epoch). */
  at: number;
  /** Why it was given up on. */
  reason: string;
}

/** The newest `count` dead letters of `service`, newest first. */
export async function listDeadLetters(client: Redis, service: string, count = 100): Promise<DeadLetter[]> {
  const entries = await client.xrevrange(serviceKeys(service).dead, '+', '-', 'COUNT', count);
  return entries.map(([id, fields]) => {
    const get = (name: string): string => fields[fields.indexOf(name) + 1] ?? '';
    return {
      id,
      message: get('m'),
      requestEntry: get('id'),
      attempts: Number(get('attempts')),
      at: Number(get('at')),
      reason: get('reason'),
    };
  });
}

/**
 * Gives request `entryId` up (its message `raw`, delivered `deliveries` times before this delivery): said in the log, moved
 * from the request stream to the dead-letter stream in one transaction, and its caller told.
 */
export async function deadLetter(
  to: { client: Redis; keys: ServiceKeys; log: Logger; sink: RequestSink },
  entryId: string,
  raw: string,
  deliveries: number,
  why: string,
): Promise<void> {
  const { client, keys, log } = to;
  log.error(`Request ${entryId} goes to the dead-letter stream: ${why}`);
  await client
    .multi()
    .xadd(keys.dead, '*', 'm', raw, 'id', entryId, 'attempts', String(deliveries), 'at', String(Date.now()), 'reason', why)
    .xack(keys.requests, REQUEST_GROUP, entryId)
    .xdel(keys.requests, entryId)
    .exec()
    .catch((err: unknown) => log.warn(`Could not dead-letter request ${entryId}: ${toPlainError(err).message}`));
  try {
    // said once, by the line above (before: also 'Rejected a request ...: The request was given up on ...')
    to.sink.refuse(raw, new DaebusError(ErrorCodes.DEAD_LETTER, `The request was given up on: ${why}.`), false);
  } catch {
    // its caller cannot be told (its address cannot be read): the entry is in the dead-letter stream
  }
}
