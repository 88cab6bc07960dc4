import { cloneOrThrow, nestsTooDeep, tooDeep } from '../../shared/cloneable';
import { DeadlineTimer } from '../../shared/deadline-timer';
import { DaebusError, ErrorCodes } from '../../shared/errors';
import { carriedValue, DEFAULT_LIST_MAX, writeName, type Received, type StateCall, type StructureKind } from '../../shared/state-ops';
import { fixCap, ListCore, type ListCap } from './list-core';
import type { ServiceState } from './service/service-state';
import type { Logger } from '../support/logger';
import { noRedisClient, outOfReach } from './out-of-reach';
import { notHeld } from './local-take';
import { MainWaits } from './main-waits';
import { QueueCore, type QueueReceiver } from './queue-core';

export type { QueueReceiver } from './queue-core';

type Structure = Map<string, unknown> | QueueCore | ListCore;

/**
 * The owner of every shared structure. Operations are applied one at a time on the main thread,
 * so each is atomic; threads' calls arrive in order over their ports.
 */
export class StateStore {
  readonly #structures = new Map<string, { kind: StructureKind; value: Structure }>();
  readonly #mainWaits = new MainWaits();
  /** Names declared service-wide (`{ scope: 'service' }`): they live in Redis, not here. */
  readonly #serviceWide = new Map<string, { kind: StructureKind } & ListCap>();
  /** The timeouts of every queue's waits. */
  readonly #deadlines = new DeadlineTimer();
  #service?: ServiceState;
  /** The service ran on Redis and stopped: what a call on a service-wide structure is told. */
  #detached = false;
  /** The service runs on a transport with no Redis client (its description): what such a call is told then. */
  #without?: string;

  /** Declare `name` service-wide: every call on it, from any side, goes to the service's Redis. */
  declareServiceWide(kind: StructureKind, name: string, max?: number): void {
    const local = this.#structures.get(name);
    const declared = this.#serviceWide.get(name);
    if (local || (declared && declared.kind !== kind)) {
      throw new DaebusError(
        ErrorCodes.STATE_KIND_MISMATCH,
        `"${name}" is already ${local ? `an in-process ${local.kind}` : `a service-wide ${declared?.kind}`}; it cannot also be a service-wide ${kind}. Use another name.`,
      );
    }
    if (kind !== 'list') this.#serviceWide.set(name, { kind });
    else if (declared === undefined) this.#serviceWide.set(name, { kind, max: max ?? DEFAULT_LIST_MAX, explicit: max !== undefined });
    // opened again: without max it is the same list; the first max sets the cap, another is refused
    else if (max !== undefined) fixCap(name, declared, max);
  }

  /** The service-wide declaration of `name`, if it has one. */
  serviceWide(name: string): ({ kind: StructureKind } & ListCap) | undefined {
    return this.#serviceWide.get(name);
  }

  /** The `max` a handle of list `name` opened with `asked` names: a service-wide list's given cap (not the default, which fixes nothing). */
  listMax(name: string, asked: number | undefined): number | undefined {
    const declared = this.#serviceWide.get(name);
    return declared?.explicit ? declared.max : asked;
  }

  /** Where service-wide structures live while the service runs. */
  attach(service: ServiceState | undefined, on?: { transport: string; logger: Logger }): void {
    this.#service = service;
    this.#detached = false;
    this.#without = service ? undefined : on?.transport;
    const names = [...this.#serviceWide].map(([name, { kind }]) => `${kind} "${name}"`);
    if (!service && on && names.length > 0) on.logger.warn(`${names.join(', ')}: ${noRedisClient(on.transport)}`);
  }

  /** The service stopped: service-wide structures are out of reach until it starts again. */
  detach(): void {
    if (this.#service) this.#detached = true;
    this.#service?.close();
    this.#service = undefined;
  }

  /** The service-wide structures' home; INVALID_STATE when the service is not started on Redis. */
  remote(name: string, kind: StructureKind): ServiceState {
    const declared = this.#serviceWide.get(name);
    if (declared && declared.kind !== kind) {
      throw new DaebusError(
        ErrorCodes.STATE_KIND_MISMATCH,
        `"${name}" is a service-wide ${declared.kind}; it cannot also be used as a ${kind}.`,
      );
    }
    if (!this.#service) throw outOfReach(`${kind} "${name}"`, this.#detached, this.#without);
    return this.#service;
  }

  /** Create a structure now (so a list's `max` holds from the start); checks the kind and `max`. */
  ensure(kind: StructureKind, name: string, max?: number): void {
    if (kind === 'list') this.apply({ kind, name, op: 'size', ...(max === undefined ? {} : { max }) });
    else this.#get(name, kind);
  }

  /**
   * Apply a call made on the main side; values are copied in and out, as a thread would see them.
   * Not an async function: a call that needs no waiting settles in one turn of the microtask
   * queue (an async function returning a promise takes three); a throw becomes the rejection.
   */
  execLocal(call: StateCall): Promise<unknown> {
    try {
      return this.#serviceWide.has(call.name) ? this.#execServiceWide(call) : this.#execInProcess(call);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #execInProcess(call: StateCall): Promise<unknown> {
    if (call.kind === 'queue' && call.op === 'put') {
      // copied where the queue needs a copy: a worker waiting for it gets it through its port
      this.#queue(call.name).put(call.item, true);
      return DONE;
    }
    if (call.kind === 'queue' && (call.op === 'get' || call.op === 'receive')) {
      return this.#mainWaits.takeLocal(this.#queue(call.name), call.timeoutMs, call.op === 'receive');
    }
    if (call.kind === 'queue' && call.op === 'ack') return Promise.resolve(this.#queue(call.name).taskDone());
    if (call.kind === 'queue' && call.op === 'release') {
      // the delivery brings back the item as it was taken (a main side's Delivery settles once)
      if (call.deliveries === undefined) throw notHeld(call.name);
      this.#queue(call.name).requeueFront(call.item, call.deliveries);
      return DONE;
    }
    if (call.kind === 'queue' && call.op === 'join') return this.join(call.name, call.timeoutMs);
    const result = this.apply(copyIn(call));
    // a write's undefined, a size, a flag: nothing to copy
    return Promise.resolve(typeof result === 'object' && result !== null ? structuredClone(result) : result);
  }

  async #execServiceWide(call: StateCall): Promise<unknown> {
    const remote = this.remote(call.name, call.kind);
    // as for an in-process structure and from a thread (past it, JSON's encoder ran out of stack, not saying how deep)
    if (nestsTooDeep(carriedValue(call))) throw tooDeep(writeName(call), carriedValue(call));
    if (call.kind === 'queue' && (call.op === 'get' || call.op === 'receive')) {
      const taken = await this.#mainWaits.track((left) => remote.take(call.name, call.timeoutMs, call.op, left));
      if (taken === undefined) return undefined;
      return call.op === 'get'
        ? taken.item
        : ({ item: taken.item, deliveries: taken.deliveries, receipt: taken.receipt } satisfies Received);
    }
    const declared = this.#serviceWide.get(call.name);
    if (declared && call.kind === 'list' && call.max !== undefined) fixCap(call.name, declared, call.max);
    return remote.exec(call, declared?.max === undefined ? undefined : { max: declared.max, explicit: declared.explicit === true });
  }

  /** Hand the oldest item of queue `name` to `receiver`, now or when one is put (see QueueCore.take). */
  take(name: string, timeoutMs: number, receiver: QueueReceiver): () => void {
    return this.#queue(name).take(timeoutMs, receiver);
  }

  join(name: string, timeoutMs: number, onCancel?: (cancel: () => void) => void): Promise<boolean> {
    return this.#queue(name).join(timeoutMs, onCancel);
  }

  /** Put back an item whose consumer died (or released it) before it was done with it: it is next again. */
  requeueFront(name: string, item: unknown, deliveries: number): void {
    this.#queue(name).requeueFront(item, deliveries);
  }

  /** The item of `receive` acknowledged: it counts as done (taskDone). */
  done(name: string): void {
    this.#queue(name).taskDone();
  }

  /** Apply a call that needs no waiting (every call but a queue's get and join); returns its result. */
  apply(call: StateCall): unknown {
    switch (call.kind) {
      case 'map': {
        const map = this.#get(call.name, 'map') as Map<string, unknown>;
        switch (call.op) {
          case 'get':
            return map.get(call.key);
          case 'set':
            map.set(call.key, call.value);
            return undefined;
          case 'delete':
            return map.delete(call.key);
          case 'has':
            return map.has(call.key);
          case 'keys':
            return [...map.keys()];
          case 'size':
            return map.size;
          case 'snapshot':
            return Object.fromEntries(map);
          case 'increment': {
            // only a missing key counts as 0 (null is no number), and no overflow: as a service-wide map
            const current = map.has(call.key) ? map.get(call.key) : 0;
            const next = typeof current === 'number' ? current + call.by : NaN;
            if (!Number.isFinite(next)) {
              const why =
                typeof current !== 'number'
                  ? `needs a number there, found ${current === null ? 'null' : typeof current}`
                  : `adding ${call.by} to ${current} gives ${next}, which is no number to store`;
              throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `map "${call.name}": increment("${call.key}") ${why}.`);
            }
            map.set(call.key, next);
            return next;
          }
          case 'merge':
            for (const [key, value] of Object.entries(call.entries)) map.set(key, value);
            return undefined;
          case 'clear':
            map.clear();
            return undefined;
        }
        break;
      }
      case 'queue': {
        const queue = this.#queue(call.name);
        switch (call.op) {
          case 'put':
            queue.put(call.item);
            return undefined;
          case 'size':
            return queue.size;
          case 'position': {
            const { predicate } = call as { predicate?: (item: unknown) => boolean };
            return queue.position(predicate ?? ((item) => fieldOf(item, call.key) === call.id));
          }
          case 'taskDone':
            queue.taskDone();
            return undefined;
          case 'snapshot':
            return queue.snapshot();
          case 'get':
          case 'receive':
          case 'ack':
          case 'release':
          case 'join':
            throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `queue "${call.name}": ${call.op} waits; it is served by take()/join().`);
        }
        break;
      }
      case 'list': {
        const list = this.#get(call.name, 'list', call.max) as ListCore;
        if (call.max !== undefined) list.capAt(call.max);
        switch (call.op) {
          case 'append':
            return list.append(call.item);
          case 'snapshot':
            return list.snapshot();
          case 'size':
            return list.size;
          case 'clear':
            list.clear();
            return undefined;
        }
        break;
      }
    }
    throw new DaebusError(ErrorCodes.INVALID_ARGUMENT, `Unknown shared-state operation ${JSON.stringify(call)}.`);
  }

  /** A stop's drain ended (`unscoped`: its HTTP and WebSocket drain): the main side's takes end with no item, and new ones (see MainWaits). */
  endMainWaits(unscoped = false): void {
    this.#mainWaits.end(this.#queues(), unscoped);
  }

  /** The service stopped: service-wide structures are out of reach, and every wait of the main side ends (see MainWaits). */
  stopped(): void {
    this.detach();
    this.#mainWaits.stopped([...this.#queues()]);
  }

  *#queues(): Generator<QueueCore> {
    for (const { value } of this.#structures.values()) if (value instanceof QueueCore) yield value;
  }

  /** Each in-process queue: items waiting, and items taken and not done (for metrics). */
  queueDepths(): { name: string; waiting: number; inProgress: number }[] {
    const depths = [];
    for (const [name, { value }] of this.#structures) {
      if (value instanceof QueueCore) depths.push({ name, waiting: value.size, inProgress: value.inProgress });
    }
    return depths;
  }

  #queue(name: string): QueueCore {
    return this.#get(name, 'queue') as QueueCore;
  }

  /** The structure `name`, created on first use (`max` only for a new list). No allocation when it exists: every operation passes here. */
  #get(name: string, kind: StructureKind, max?: number): Structure {
    const found = this.#structures.get(name);
    if (found) {
      if (found.kind !== kind) {
        throw new DaebusError(
          ErrorCodes.STATE_KIND_MISMATCH,
          `"${name}" is a shared ${found.kind}; it cannot also be used as a ${kind}. Use another name.`,
        );
      }
      return found.value;
    }
    const value =
      kind === 'map' ? new Map<string, unknown>() : kind === 'queue' ? new QueueCore(name, this.#deadlines) : new ListCore(name, max);
    this.#structures.set(name, { kind, value });
    return value;
  }
}

const DONE: Promise<undefined> = Promise.resolve(undefined);

function fieldOf(item: unknown, key: string): unknown {
  return item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined;
}

/** Copy the values a main-side call stores, so the caller's object and the store never alias. */
function copyIn(call: StateCall): StateCall {
  const what = (): string => writeName(call);
  if (call.kind === 'map' && call.op === 'set') return { ...call, value: cloneOrThrow(what, call.value) };
  if (call.kind === 'map' && call.op === 'merge') return { ...call, entries: cloneOrThrow(what, call.entries) };
  if (call.kind === 'list' && call.op === 'append') return { ...call, item: cloneOrThrow(what, call.item) };
  return call;
}
