import type { Redis } from 'ioredis';
import { decodeValue } from './json-values';

/** An item taken from a service-wide queue: its value, its delivery count, and the entry that holds it. */
export interface Taken {
  item: unknown;
  deliveries: number;
  receipt: string;
}

/** A queue's stream entry as Redis gives it: its id, and its fields (null once deleted). */
export type Entry = [id: string, fields: string[] | null];

/** The value of field `name` in an entry's flat [name, value, ...] fields (a value equal to a name is not taken for it). */
export function fieldOf(fields: string[] | null, name: string): string | undefined {
  const list = fields ?? [];
  for (let i = 0; i < list.length - 1; i += 2) if (list[i] === name) return list[i + 1];
  return undefined;
}

/** The item an entry holds, with its delivery count (this one included). */
export function toTaken([id, fields]: Entry): Taken {
  return { item: decodeValue(fieldOf(fields, 'v'), 'entry', id), deliveries: Number(fieldOf(fields, 'd') ?? 0) + 1, receipt: id };
}

/** The fields of the entry that puts `taken` back in its queue: what toTaken reads, its deliveries kept. */
export function entryFields(taken: Taken): string[] {
  return ['v', JSON.stringify(taken.item), 'd', String(taken.deliveries)];
}

/** XINFO's flat [name, value, ...] reply as an object. */
export function toRecord(pairs: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < pairs.length - 1; i += 2) out[String(pairs[i])] = pairs[i + 1];
  return out;
}

/** A take under way: its item (none at its timeout), and how to leave it. */
export interface PendingTake {
  result: Promise<Taken | undefined>;
  cancel: () => void;
}

/** One get/receive in progress: until when it waits, whether it was left, and the reader it holds. */
export interface TakeWait {
  until: number; // on the monotonic clock
  cancelled: boolean;
  reader?: Redis | undefined;
  /** True once no one reads the answer of the handler it waits for: an item read then goes back. */
  left?: (() => boolean) | undefined;
}
