/**
 * The API of shared structures, the same on both sides of the thread boundary. Each method
 * builds one call and hands it to an executor: on the main side the owner applies it at once,
 * in a worker it crosses the port to the owner. Arguments are checked here, before anything
 * leaves, so a bad call changes nothing.
 */
import { checkValue } from './cloneable';
import { DaebusError, ErrorCodes } from './errors';
import { writeName, type ListOp, type MapOp, type QueueOp, type Received, type StateCall, type StructureKind } from './state-ops';
import { checker, isWait, show } from './validate';
import { brandClass } from './class-brand';

export type StateExecutor = (call: StateCall) => Promise<unknown>;

/** What every shared structure has: its name, its size, a copy of its content. */
export abstract class SharedStructure<Op extends { op: string }, Snapshot> {
  /** The structure's name. */
  readonly name: string;
  readonly #exec: StateExecutor;
  readonly #kind: StructureKind;

  protected constructor(kind: StructureKind, name: string, exec: StateExecutor) {
    this.#kind = kind;
    this.name = name;
    this.#exec = exec;
  }

  /** How many entries (map) or items (queue, list) it holds. */
  async size(): Promise<number> {
    return this.call({ op: 'size' } as Op) as Promise<number>;
  }

  /** A copy of its content: a map's entries as a plain object, a queue's or list's items oldest first. */
  async snapshot(): Promise<Snapshot> {
    return this.call({ op: 'snapshot' } as Op) as Promise<Snapshot>;
  }

  // `op` is a fresh literal of the caller's: completed in place by two stores (no copy, and no
  // second object for Object.assign to read: a cold Object.assign cost 3-6 µs on this path)
  /** Send one operation to the structure's owner (the library's own use). */
  protected call(op: Op): Promise<unknown> {
    const call = op as unknown as { kind: StructureKind; name: string };
    call.kind = this.#kind;
    call.name = this.name;
    return this.#exec(call as unknown as StateCall);
  }
}

/** A map of string keys to structured-clonable values, shared by actions and threads. */
export class SharedMap<V = unknown> extends SharedStructure<MapOp, Record<string, V>> {
  constructor(name: string, exec: StateExecutor) {
    super('map', name, exec);
  }

  // get, set, put and get of a queue are the hot calls: not async functions, whose return of
  // the call's promise costs extra turns of the microtask queue; a bad argument still rejects

  /** The value stored under `key`, or undefined. */
  get(key: string): Promise<V | undefined> {
    if (typeof key !== 'string') return rejected(() => checkKey(key));
    return this.call({ op: 'get', key }) as Promise<V | undefined>;
  }

  /** Store `value` (a copy: later changes to the object do not reach the map). */
  set(key: string, value: V): Promise<void> {
    if (typeof key !== 'string' || key === '__proto__' || !isShareable(value))
      return rejected(() => {
        checkKey(key, true);
        checkValue(writeName({ kind: 'map', name: this.name, op: 'set', key, value }), value);
      });
    return this.call({ op: 'set', key, value }) as Promise<void>;
  }

  /** True when the key was there. */
  async delete(key: string): Promise<boolean> {
    return this.call({ op: 'delete', key: checkKey(key) }) as Promise<boolean>;
  }

  /** True when `key` is in the map. */
  async has(key: string): Promise<boolean> {
    return this.call({ op: 'has', key: checkKey(key) }) as Promise<boolean>;
  }

  /** The map's keys. */
  async keys(): Promise<string[]> {
    return this.call({ op: 'keys' }) as Promise<string[]>;
  }

  /**
   * Add `by` (default 1) to a number (missing counts as 0), atomically; resolves with the new value.
   * It stores a number, so a map declared to hold other values (`SharedMap<string>`) does not compile it.
   */
  increment(this: SharedMap<number>, key: string, by?: number): Promise<number>;
  increment(this: SharedMap<number extends V ? V : never>, key: string, by?: number): Promise<number>;
  async increment(key: string, by = 1): Promise<number> {
    if (typeof by !== 'number' || !Number.isFinite(by)) {
      throw invalid(`map "${this.name}": increment(key, by): by must be a finite number (got ${show(by)}).`);
    }
    return this.call({ op: 'increment', key: checkKey(key, true), by }) as Promise<number>;
  }

  /** Set every entry of `entries` in one atomic step (Python's `dict.update`). */
  async merge(entries: Record<string, V>): Promise<void> {
    if (entries === null || typeof entries !== 'object' || Array.isArray(entries)) {
      throw invalid(`map "${this.name}": merge(entries): entries must be a plain object of key -> value.`);
    }
    if (Object.hasOwn(entries, '__proto__')) checkKey('__proto__', true);
    for (const [key, value] of Object.entries(entries))
      if (!isShareable(value)) checkValue(writeName({ kind: 'map', name: this.name, op: 'merge', entries }), value, key);
    await this.call({ op: 'merge', entries });
  }

  /** Remove every entry. */
  async clear(): Promise<void> {
    await this.call({ op: 'clear' });
  }
}

/** A FIFO work queue shared by actions and threads (Python's `queue.Queue`). */
export class SharedQueue<T = unknown> extends SharedStructure<QueueOp, T[]> {
  constructor(name: string, exec: StateExecutor) {
    super('queue', name, exec);
  }

  /** Add an item (a copy); it goes straight to the longest-waiting `get` if there is one. */
  put(item: T): Promise<void> {
    if (item === undefined)
      return Promise.reject(invalid(`queue "${this.name}": put(item): item must not be undefined (undefined means "no item" from get).`));
    if (!isShareable(item)) return rejected(() => checkValue(writeName({ kind: 'queue', name: this.name, op: 'put', item }), item));
    return this.call({ op: 'put', item }) as Promise<void>;
  }

  /**
   * Take the oldest item, waiting up to `timeoutMs` (default: until one arrives) without polling:
   * resolves as soon as an item is put, or with `undefined` at the timeout. In a thread, a stop
   * also ends the wait with `undefined`.
   */
  get(timeoutMs = Infinity): Promise<T | undefined> {
    if (!isWait(timeoutMs))
      return rejected(() => checker(`queue "${this.name}": get(timeoutMs)`, ErrorCodes.INVALID_ARGUMENT).wait('timeoutMs', timeoutMs));
    return this.call({ op: 'get', timeoutMs }) as Promise<T | undefined>;
  }

  /**
   * Where an item waits (0 = next), or -1: by the value of its `key` field (default `id`), or,
   * on the main side only, by a predicate (functions cannot cross threads).
   */
  async position(predicate: (item: T) => boolean): Promise<number>;
  async position(id: string | number, key?: string): Promise<number>;
  async position(idOrPredicate: string | number | ((item: T) => boolean), key = 'id'): Promise<number> {
    const op: QueueOp & { predicate?: (item: T) => boolean } =
      typeof idOrPredicate === 'function'
        ? { op: 'position', id: undefined, key, predicate: idOrPredicate }
        : { op: 'position', id: idOrPredicate, key };
    return this.call(op) as Promise<number>;
  }

  /**
   * At-least-once consumption: take the oldest item as `get` does, but keep it until
   * `delivery.ack()`. If the consumer's thread (or pooled call) ends before it acknowledges the
   * item, the item goes back to the front of the queue (a service-wide queue's tail) and is delivered again, with
   * `delivery.redelivered` true. `ack()` also counts as `taskDone()`; `delivery.release()` gives
   * the item back unprocessed, to be delivered again.
   */
  async receive(timeoutMs = Infinity): Promise<Delivery<T> | undefined> {
    if (!isWait(timeoutMs)) checker(`queue "${this.name}": receive(timeoutMs)`, ErrorCodes.INVALID_ARGUMENT).wait('timeoutMs', timeoutMs);
    const received = (await this.call({ op: 'receive', timeoutMs })) as Received | undefined;
    if (received === undefined) return undefined;
    const { item, deliveries, receipt } = received;
    const back = 'original' in received ? { item: received.original, deliveries } : {};
    return new Delivery<T>(item as T, deliveries, (op) => this.call(op === 'release' ? { op, receipt, ...back } : { op, receipt }));
  }

  /** Mark one item taken with `get` as processed (Python's `task_done`). */
  async taskDone(): Promise<void> {
    await this.call({ op: 'taskDone' });
  }

  /** Wait until every item put has been marked done; resolves false if `timeoutMs` passes first. */
  async join(timeoutMs = Infinity): Promise<boolean> {
    if (!isWait(timeoutMs)) checker(`queue "${this.name}": join(timeoutMs)`, ErrorCodes.INVALID_ARGUMENT).wait('timeoutMs', timeoutMs);
    return this.call({ op: 'join', timeoutMs }) as Promise<boolean>;
  }
}

/** An item taken with `queue.receive()`: held for its consumer until `ack()` or `release()`. */
export class Delivery<T> {
  /** The item taken from the queue. */
  readonly item: T;
  /** How many times the item has been handed out (1 the first time). */
  readonly deliveries: number;
  readonly #settle: (op: 'ack' | 'release') => Promise<unknown>;
  #settled: 'ack' | 'release' | undefined;
  /** The ack or release under way: a call that fails (Redis down) can be made again. */
  #settling: { op: 'ack' | 'release'; done: Promise<void> } | undefined;

  constructor(item: T, deliveries: number, settle: (op: 'ack' | 'release') => Promise<unknown>) {
    this.item = item;
    this.deliveries = deliveries;
    this.#settle = settle;
  }

  /** True when an earlier consumer got this item and ended before acknowledging it. */
  get redelivered(): boolean {
    return this.deliveries > 1;
  }

  /**
   * The item is processed: it leaves the queue for good. A second call does nothing; one after
   * `release()` is refused (INVALID_STATE). One that failed (TRANSPORT_ERROR) can be made again.
   */
  async ack(): Promise<void> {
    await this.#end('ack');
  }

  /**
   * Give the item back unprocessed (a handler that failed, a consumer that cannot take it now): it
   * goes back to the front of the queue (a service-wide queue's tail) and is delivered again, with
   * `redelivered` true; it does not count as done. A second call does nothing; one after `ack()`
   * is refused (INVALID_STATE). One that failed (TRANSPORT_ERROR) can be made again.
   */
  async release(): Promise<void> {
    await this.#end('release');
  }

  async #end(op: 'ack' | 'release'): Promise<void> {
    if (this.#settled === op) return;
    const other = this.#settled ?? this.#settling?.op;
    if (other !== undefined && other !== op) {
      const words = { ack: 'acknowledged', release: 'released' };
      const was = this.#settled === undefined ? `is being ${words[other]}` : `was ${words[other]} already`;
      throw new DaebusError(ErrorCodes.INVALID_STATE, `This delivery ${was}; it cannot be ${words[op]} too.`);
    }
    if (this.#settling === undefined) {
      const done = this.#settle(op).then(
        () => void (this.#settled = op),
        (err: unknown) => {
          this.#settling = undefined;
          throw err;
        },
      );
      this.#settling = { op, done };
    }
    await this.#settling.done;
  }
}

/** A list that keeps only its last `max` items (the seed's "keep only the last 100 messages"). */
export class SharedList<T = unknown> extends SharedStructure<ListOp, T[]> {
  /** The cap this handle names on every call; undefined: none (the list keeps 1000 items unless a side names a cap). */
  readonly max: number | undefined;

  constructor(name: string, exec: StateExecutor, max?: number) {
    super('list', name, exec);
    this.max = max;
  }

  /** Append a copy of `item`, dropping the oldest beyond `max`; resolves with the new length. */
  async append(item: T): Promise<number> {
    // the message is built for a refusal only: append is a hot call
    if (!isShareable(item)) checkValue(writeName({ kind: 'list', name: this.name, op: 'append', item }), item);
    return this.call({ op: 'append', item }) as Promise<number>;
  }

  /** Remove every item. */
  async clear(): Promise<void> {
    await this.call({ op: 'clear' });
  }

  /** Send one operation, naming the list's `max`, so whichever side uses the list first creates it capped. */
  protected override call(op: ListOp): Promise<unknown> {
    return super.call(this.max === undefined ? op : Object.assign(op, { max: this.max }));
  }
}

/** A key to read, or (`written`) to store: "__proto__" is refused there, as the library's own decoders refuse it. */
function checkKey(key: unknown, written = false): string {
  if (typeof key !== 'string') {
    // a number is a key written as one; undefined is most often a field missing from a message
    const hint =
      typeof key === 'number' ? 'convert numbers with String(key)' : 'check where the key comes from (a field missing from a payload?)';
    throw invalid(`map keys must be strings (got ${typeof key}); ${hint}.`);
  }
  if (written && key === '__proto__')
    throw invalid(
      'map key "__proto__" is refused: in a snapshot, copied with Object.assign or a merge, it would set an object\'s prototype. Use another key.',
    );
  return key;
}

function isShareable(value: unknown): boolean {
  const kind = typeof value;
  return kind !== 'function' && kind !== 'symbol';
}

/** The error `check` throws, as a rejected promise (what an async method would have returned). */
function rejected(check: () => unknown): Promise<never> {
  try {
    check();
  } catch (err) {
    return Promise.reject(err);
  }
  return Promise.reject(new DaebusError(ErrorCodes.INVALID_ARGUMENT, 'A shared-state call was refused.'));
}

function invalid(message: string): DaebusError {
  return new DaebusError(ErrorCodes.INVALID_ARGUMENT, message);
}

brandClass(SharedMap, 'SharedMap');
brandClass(SharedQueue, 'SharedQueue');
brandClass(Delivery, 'Delivery');
brandClass(SharedList, 'SharedList');
