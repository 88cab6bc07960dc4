import { DaebusError, ErrorCodes, toPlainError } from '../../shared/errors';
import type { MainToThread } from '../../shared/protocol';
import { DEFAULT_LIST_MAX, type StateCall, type StructureKind } from '../../shared/state-ops';
import { ListCore } from './list-core';
import { QueueCore, type QueueOwner } from './queue-core';

/** A worker run that reaches the store over its port. */
export class PortClient implements QueueOwner {
  alive = true;
  /** The worker was asked to stop: its queue gets no longer wait. */
  stopping = false;
  /** Queue items sent to the worker and not yet acknowledged, by call id. */
  readonly inflight = new Map<number, { queue: QueueCore; item: unknown }>();
  /** Cancels the worker's pending queue waits. */
  readonly #waits = new Set<() => void>();

  constructor(readonly post: (message: MainToThread) => boolean) {}

  addWait(cancel: () => void): () => void {
    this.#waits.add(cancel);
    return () => this.#waits.delete(cancel);
  }

  /** The worker was asked to stop: its waits end now with "no item", and later gets do not wait. */
  stopWaiting(): void {
    this.stopping = true;
    for (const cancel of [...this.#waits]) cancel();
    this.#waits.clear();
  }

  /** The worker is gone: what it was sent but never confirmed goes back to the front of its queue. */
  release(): void {
    this.alive = false;
    this.stopWaiting();
    const pending = [...this.inflight.values()].reverse();
    this.inflight.clear();
    for (const { queue, item } of pending) queue.requeueFront(item);
  }

  ack(id: number): void {
    this.inflight.delete(id);
  }
}

type Structure = Map<string, unknown> | QueueCore | ListCore;

/**
 * The owner of every shared structure. Operations are applied one at a time on the main thread,
 * so each is atomic; threads' calls arrive in order over their ports.
 */
export class StateStore {
  readonly #structures = new Map<string, { kind: StructureKind; value: Structure }>();

  /** Create a structure now (so a list's `max` holds from the start); checks the kind and `max`. */
  ensure(kind: StructureKind, name: string, max?: number): void {
    if (kind === 'list') this.#apply({ kind, name, op: 'size', ...(max === undefined ? {} : { max }) });
    else this.#get(name, kind);
  }

  /** Apply a call made on the main side; values are copied in and out, as a thread would see them. */
  async execLocal(call: StateCall): Promise<unknown> {
    const copied = copyIn(call);
    if (copied.kind === 'queue' && copied.op === 'get') {
      const queue = this.#queue(copied.name);
      return new Promise((resolve) => {
        queue.take(
          copied.timeoutMs,
          (item) => {
            resolve(item);
            return true;
          },
          () => resolve(undefined),
        );
      });
    }
    if (copied.kind === 'queue' && copied.op === 'join') return this.#queue(copied.name).join(copied.timeoutMs);
    return structuredClone(this.#apply(copied));
  }

  /** Apply a call that came over a port, and post its outcome back with the same id. */
  serve(id: number, call: StateCall, client: PortClient): void {
    try {
      if (call.kind === 'queue' && call.op === 'get') {
        this.#serveGet(id, call.name, call.timeoutMs, client);
      } else if (call.kind === 'queue' && call.op === 'join') {
        void this.#queue(call.name)
          .join(call.timeoutMs)
          .then((value) => client.post({ type: 'state-result', id, ok: true, value }));
      } else {
        client.post({ type: 'state-result', id, ok: true, value: this.#apply(call) });
      }
    } catch (err) {
      client.post({ type: 'state-result', id, ok: false, error: toPlainError(err) });
    }
  }

  #serveGet(id: number, name: string, timeoutMs: number, client: PortClient): void {
    const queue = this.#queue(name);
    let remove: () => void = () => undefined;
    const cancel = queue.take(
      client.stopping ? 0 : timeoutMs,
      (item) => {
        if (!client.alive) return false;
        if (!client.post({ type: 'state-result', id, ok: true, value: item, ack: true })) return false;
        client.inflight.set(id, { queue, item });
        remove();
        return true;
      },
      () => {
        remove();
        client.post({ type: 'state-result', id, ok: true, value: undefined });
      },
      client,
    );
    remove = client.addWait(cancel);
  }

  #apply(call: StateCall): unknown {
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
            const current = map.get(call.key) ?? 0;
            if (typeof current !== 'number') {
              throw new DaebusError(
                ErrorCodes.INVALID_ARGUMENT,
                `map "${call.name}": increment("${call.key}") needs a number there, found ${typeof current}.`,
              );
            }
            const next = current + call.by;
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
          case 'join':
            throw new Error('waiting queue operations are served by serve()/execLocal()');
        }
        break;
      }
      case 'list': {
        const list = this.#get(call.name, 'list', call.max) as ListCore;
        if (call.max !== undefined && call.max !== list.max) {
          throw new DaebusError(
            ErrorCodes.INVALID_OPTION,
            `list "${call.name}" keeps ${list.max} items; it was asked for with max ${call.max}.`,
          );
        }
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
      kind === 'map' ? new Map<string, unknown>() : kind === 'queue' ? new QueueCore(name) : new ListCore(name, max ?? DEFAULT_LIST_MAX);
    this.#structures.set(name, { kind, value });
    return value;
  }
}

function fieldOf(item: unknown, key: string): unknown {
  return item !== null && typeof item === 'object' ? (item as Record<string, unknown>)[key] : undefined;
}

/** Copy the values a main-side call stores, so the caller's object and the store never alias. */
function copyIn(call: StateCall): StateCall {
  try {
    if (call.kind === 'map' && call.op === 'set') return { ...call, value: structuredClone(call.value) };
    if (call.kind === 'map' && call.op === 'merge') return { ...call, entries: structuredClone(call.entries) };
    if (call.kind === 'queue' && call.op === 'put') return { ...call, item: structuredClone(call.item) };
    if (call.kind === 'list' && call.op === 'append') return { ...call, item: structuredClone(call.item) };
  } catch (err) {
    throw new DaebusError(
      ErrorCodes.NOT_CLONEABLE,
      `${call.kind} "${call.name}": the value cannot be shared between threads (${(err as Error).message}). Store plain data.`,
      { cause: err },
    );
  }
  return call;
}
