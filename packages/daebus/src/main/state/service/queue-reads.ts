import type { Redis } from 'ioredis';
import { clipped } from '../../../shared/clipped';
import { toPlainError } from '../../../shared/errors';
import { GROUP } from './consumer-groups';
import { fieldOf, toRecord, toTaken, type Entry, type Taken } from './queue-entries';

/** The queues' consumer group as XINFO GROUPS tells it (undefined before its first use). */
async function groupOf(client: Redis, stream: string): Promise<Record<string, unknown> | undefined> {
  const groups = (await client.xinfo('GROUPS', stream)) as unknown[][];
  return groups.map((g) => toRecord(g)).find((g) => g.name === GROUP);
}

/** The entries not yet handed to any consumer: those past the group's last delivered one, oldest first. */
export async function undelivered(client: Redis, stream: string, group?: Record<string, unknown>): Promise<Entry[]> {
  const last = String((group ?? (await groupOf(client, stream)))?.['last-delivered-id'] ?? '0-0');
  return (await client.xrange(stream, `(${last}`, '+')) as Entry[];
}

/**
 * How many entries are not yet handed to any consumer: the group's lag, which Redis keeps. Read
 * from the entries (an XRANGE of a long queue held Redis, every client's commands, about 0.2 s per
 * 100,000 items) only where Redis cannot tell it: an entry deleted past the last delivered one.
 */
export async function undeliveredCount(client: Redis, stream: string): Promise<number> {
  const group = await groupOf(client, stream);
  const lag = group?.['lag'];
  return typeof lag === 'number' ? lag : (await undelivered(client, stream, group)).length;
}

/** The log line of an entry whose value is not JSON (another program wrote it), removed so that it does not block the queue. */
export function notJsonEntryLine(queue: string, [id, fields]: Entry, err: unknown): string {
  const text = fieldOf(fields, 'v') ?? '';
  return (
    `Queue "${queue}": entry ${id} (service-wide, in Redis) holds a value that is not JSON (${toPlainError(err).message}), written ` +
    `there by another program: removed, so that the items behind it are delivered. Its text: ${JSON.stringify(clipped(text, 200))}`
  );
}

/** The item `entry` holds, or undefined once `bad` has dealt with an entry whose value is not JSON. */
export async function decodedOr(entry: Entry, bad: (err: unknown) => Promise<void>): Promise<Taken | undefined> {
  try {
    return toTaken(entry);
  } catch (err) {
    await bad(err);
    return undefined;
  }
}

/**
 * The entries idle past the visibility timeout under any consumer, claimed for this one, page by
 * page: XAUTOCLAIM scans at most ten times its COUNT of held entries a call, and those of live
 * consumers (renewed, not idle) are scanned too, so only its cursor reaches the rest (before: one
 * call from the start, and a dead consumer's items behind 1,000 live ones were never taken back).
 */
export async function* idleEntries(claim: (cursor: string) => Promise<unknown>): AsyncGenerator<Entry> {
  let cursor = '0-0';
  do {
    const [next, entries] = (await claim(cursor)) as [string, Entry[]];
    cursor = next;
    yield* entries;
  } while (cursor !== '0-0');
}

/** The log line of an item taken back from a consumer that held it past the visibility timeout without renewing it. */
export function takenBackLine(queue: string, taken: Taken, visibilityMs: number): string {
  return (
    `Queue "${queue}": entry ${taken.receipt} (delivered ${taken.deliveries} time(s)) was held ${visibilityMs} ms without being ` +
    `renewed (its process died, or it or Redis stalled past the visibility timeout): delivered again`
  );
}
