import { show } from './validate';

/**
 * The operations on shared structures, as they cross a port from a worker to the owner on the
 * main side. The main side applies them in arrival order, one at a time.
 */

export type StructureKind = 'map' | 'queue' | 'list';

export type MapOp =
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: unknown }
  | { op: 'delete'; key: string }
  | { op: 'has'; key: string }
  | { op: 'keys' }
  | { op: 'size' }
  | { op: 'snapshot' }
  | { op: 'increment'; key: string; by: number }
  | { op: 'merge'; entries: Record<string, unknown> }
  | { op: 'clear' };

export type QueueOp =
  | { op: 'put'; item: unknown }
  | { op: 'get'; timeoutMs: number }
  /** Take the oldest item and keep it held until `ack` (at-least-once). */
  | { op: 'receive'; timeoutMs: number }
  /** The consumer is done with the received item `receipt`: it leaves for good (and counts as taskDone). */
  | { op: 'ack'; receipt: number | string }
  /**
   * The consumer gives the received item `receipt` back unprocessed: it is delivered again (and
   * stays unfinished). On the main side of an in-process queue the item and its count come with it.
   */
  | { op: 'release'; receipt: number | string; item?: unknown; deliveries?: number }
  | { op: 'size' }
  | { op: 'position'; id: unknown; key: string }
  | { op: 'taskDone' }
  | { op: 'join'; timeoutMs: number }
  | { op: 'snapshot' };

export type ListOp = { op: 'append'; item: unknown } | { op: 'snapshot' } | { op: 'size' } | { op: 'clear' };

/** One call: which structure, created on first use with `max` for lists. */
export type StateCall =
  | ({ kind: 'map'; name: string } & MapOp)
  | ({ kind: 'queue'; name: string } & QueueOp)
  | ({ kind: 'list'; name: string; max?: number } & ListOp);

/**
 * A write as a refusal of its value names it, on either side and for either kind of structure:
 * `map "m": set("k")`, `map "m": merge(entries)`, `queue "q": put(item)`, `list "l": append(item)`;
 * the structure alone for a call that carries no value.
 */
export function writeName(call: StateCall): string {
  const structure = `${call.kind} "${call.name}"`;
  switch (call.op) {
    case 'set':
      return `${structure}: set(${show(call.key)})`;
    case 'merge':
      return `${structure}: merge(entries)`;
    case 'put':
      return `${structure}: put(item)`;
    case 'append':
      return `${structure}: append(item)`;
    default:
      return structure;
  }
}

/** What `receive` answers with: the item, how many times it was handed out, and the receipt to `ack`. */
export interface Received {
  item: unknown;
  deliveries: number;
  /** What `ack` and `release` name: a number (in-process queues), a stream entry id (service-wide ones). */
  receipt: number | string;
  /**
   * A main-side receive of an in-process queue: the item as it was taken (`item` is the consumer's
   * copy), for a release to put back. Held by the delivery alone: one dropped unsettled is freed.
   */
  original?: unknown;
}

/** Largest number of items a capped list keeps when no `max` is given. */
export const DEFAULT_LIST_MAX = 1000;

/** The user's value a call carries to the structure's owner, if any. */
export function carriedValue(call: StateCall): unknown {
  switch (call.op) {
    case 'set':
      return call.value;
    case 'put':
    case 'append':
      return call.item;
    case 'merge':
      return call.entries;
    default:
      return undefined;
  }
}
