import type { Redis } from 'ioredis';
import { REQUEST_GROUP, serviceKeys, type ServiceKeys } from './keys';

/** A durable request given up on after too many attempts, as `listDeadLetters` returns it. */
export interface DeadLetter {
  /** Its entry id in the dead-letter stream. */
  id: string;
  /** The request as it was sent (the wire format's JSON). */
  message: string;
  /** Its id in the request stream when it was given up on. */
  requestEntry: string;
  /** How many times it was delivered before it was given up on. */
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

/** Request `entryId` (its message `raw`, delivered `deliveries` times) leaves the request stream for the dead-letter stream, in one transaction. */
export function addDeadLetter(
  client: Redis,
  keys: ServiceKeys,
  entryId: string,
  raw: string,
  deliveries: number,
  why: string,
): Promise<unknown> {
  return client
    .multi()
    .xadd(keys.dead, '*', 'm', raw, 'id', entryId, 'attempts', String(deliveries), 'at', String(Date.now()), 'reason', why)
    .xack(keys.requests, REQUEST_GROUP, entryId)
    .xdel(keys.requests, entryId)
    .exec();
}
