import { notCloneable } from '../../shared/cloneable';
import { DaebusError, toPlainError } from '../../shared/errors';
import {
  isCompact,
  POSTED_PUT,
  QUEUE_GET,
  QUEUE_ITEM,
  type CompactToMain,
  type CoreToMain,
  type MainToWorker,
  type PostedPut,
  type PostedSet,
} from '../../shared/protocol/core';
import type { SocketCall } from '../../shared/socket-ops';
import type { Received, StateCall } from '../../shared/state-ops';
import type { Taken } from '../state/service/service-queue';
import type { StateStore, QueueReceiver } from '../state/store';
import { LOGGED_AT, type Logger } from '../support/logger';
import { HeldItems } from './held-items';
import { notHeld } from '../state/local-take';

/** The main side's services every worker reaches over its channel. */
export interface WorkerServices {
  store: StateStore;
  /** Publish on the service's transport (`t.broadcast`, `ctx.broadcast`). */
  broadcast(channel: string, payload: unknown): Promise<number>;
  /** Reach the service's WebSocket clients (`t.websocket`, `ctx.websocket`). */
  socket(call: SocketCall): Promise<unknown>;
}

/**
 * The main side's end of one worker's channel (a supervised thread's run, or one pooled call):
 * it serves the core messages (log records, shared-state calls, broadcasts) and keeps what the
 * worker holds. A queue item sent to the worker stays in this connection's keeping until the
 * worker confirms it; if the worker dies first, the item goes back to the front of its queue.
 */
export class WorkerConnection {
  /** False once the worker is gone: nothing more is handed to it. */
  alive = true;
  /** The worker was asked to stop: its queue gets no longer wait. */
  #stopping = false;
  readonly #post: (message: MainToWorker) => boolean;
  readonly #services: WorkerServices;
  readonly #log: () => Logger;
  /** Queue items handed to the worker and not yet let go. */
  readonly #held: HeldItems;
  /** Items of service-wide queues received and not acknowledged, by receipt: [queue, item]. */
  readonly #heldRemote = new Map<string, [string, Taken]>();
  /** Items of service-wide queues' gets sent to the worker and not yet confirmed, by call id: [queue, item]. */
  readonly #gotRemote = new Map<number, [string, Taken]>();
  /** Cancels of the worker's pending queue waits. */
  readonly #waits = new Set<() => void>();

  /**
   * `post` sends to the worker and returns false when it could not (a message that cannot be
   * copied; for a pooled call, also a closed channel); `log` is its logger;
   * `receipts` reads how many items of `get` the worker has received, for a worker that counts
   * them in shared memory instead of acknowledging each (see HeldItems).
   */
  constructor(post: (message: MainToWorker) => boolean, services: WorkerServices, log: () => Logger, receipts?: () => number) {
    this.#post = post;
    this.#services = services;
    this.#log = log;
    this.#held = new HeldItems(receipts);
  }

  serve(message: CoreToMain): void {
    if (isCompact(message)) {
      this.#serveCompact(message);
      return;
    }
    switch (message.type) {
      case 'log': {
        const meta: Record<string | symbol, unknown> = message.meta ?? {}; // a copy of the thread's: ours to add to
        if (message.at !== undefined) meta[LOGGED_AT] = message.at;
        this.#log().log(message.level, message.message, meta);
        return;
      }
      case 'state':
        this.#serveState(message.id, message.call);
        return;
      case 'ack':
        if (!this.#held.take(message.id)) this.#confirmRemoteGet(message.id);
        return;
      case 'broadcast':
        this.#services.broadcast(message.channel, message.payload).then(
          (value) => this.#ok(message.id, value),
          (err: unknown) => this.#fail(message.id, err),
        );
        return;
      case 'socket':
        this.#services.socket(message.call).then(
          (value) => this.#ok(message.id, value),
          (err: unknown) => this.#fail(message.id, err),
        );
        return;
    }
  }

  /** The worker was asked to stop: its waits end now with "no item", and later gets do not wait. */
  stopWaiting(): void {
    this.#stopping = true;
    for (const cancel of [...this.#waits]) cancel();
    this.#waits.clear();
  }

  /** The worker is gone: what it was sent but never confirmed goes back to the front of its queue. */
  release(): void {
    this.alive = false;
    this.stopWaiting();
    // newest first to the front: the oldest ends up next
    const held = this.#held.takeAll().reverse();
    for (const { queue, item, deliveries } of held) this.#services.store.requeueFront(queue, item, deliveries);
    for (const [queue, taken] of [...this.#heldRemote.values(), ...this.#gotRemote.values()]) {
      // in a promise: a service stopped meanwhile throws INVALID_STATE, logged, not thrown at the port's handler
      Promise.resolve()
        .then(() => this.#services.store.remote(queue, 'queue').queues.handBack(queue, taken))
        .catch((err: unknown) => this.#log().warn(`Queue "${queue}": an item could not be handed back: ${toPlainError(err).message}`));
    }
    this.#heldRemote.clear();
    this.#gotRemote.clear();
  }

  /** The worker has the item of service-wide get `id`: it leaves the queue for good (done only when the consumer calls taskDone). */
  #confirmRemoteGet(id: number): void {
    const got = this.#gotRemote.get(id);
    if (!got) return;
    this.#gotRemote.delete(id);
    const [queue, taken] = got;
    Promise.resolve()
      .then(() => this.#services.store.remote(queue, 'queue').queues.ack(queue, taken.receipt, false))
      // still pending in Redis, renewed no more: delivered again after visibilityTimeoutMs
      .catch((err: unknown) => this.#log().warn(`Queue "${queue}": an item taken could not be removed: ${toPlainError(err).message}`));
  }

  /** A queue hand-off's messages: a posted write, or a queue's get. */
  #serveCompact(message: CompactToMain): void {
    if (message[0] === QUEUE_GET) this.#serveState(message[1], { kind: 'queue', name: message[2], op: 'get', timeoutMs: message[3] });
    else this.#servePosted(message);
  }

  #serveState(id: number, call: StateCall): void {
    const { store } = this.#services;
    try {
      // a stopping thread's loop is to see running() at once: an item there stays for the next consumer
      if (this.#stopping && call.kind === 'queue' && (call.op === 'get' || call.op === 'receive')) this.#ok(id, undefined);
      else if (call.kind === 'queue' && call.op === 'join') this.#serveJoin(id, call.name, call.timeoutMs);
      else if (store.serviceWide(call.name)) {
        this.#serveServiceWide(id, call);
      } else if (call.kind === 'queue' && (call.op === 'get' || call.op === 'receive')) {
        this.#serveTake(id, call.name, call.timeoutMs, call.op === 'get' ? 'receipt' : 'ack');
      } else if (call.kind === 'queue' && (call.op === 'ack' || call.op === 'release')) {
        this.#settle(id, call.name, call.op, Number(call.receipt));
      } else if ((call.kind === 'queue' && call.op === 'put') || (call.kind === 'map' && call.op === 'set')) {
        store.apply(call);
        // an in-process structure of this kind: the worker may post its later writes to it
        this.#post({ type: 'result', id, ok: true, value: undefined, postable: true });
      } else {
        this.#ok(id, store.apply(call));
      }
    } catch (err) {
      this.#fail(id, err);
    }
  }

  /**
   * A write the worker did not wait for, to a structure whose earlier answer said it could. It
   * cannot fail here (a name never changes kind or scope); if it ever did, the worker has moved
   * on, so the error is logged.
   */
  #servePosted(write: PostedPut | PostedSet): void {
    const call: StateCall =
      write[0] === POSTED_PUT
        ? { kind: 'queue', name: write[1], op: 'put', item: write[2] }
        : { kind: 'map', name: write[1], op: 'set', key: write[2], value: write[3] };
    const { store } = this.#services;
    try {
      if (store.serviceWide(call.name)) store.execLocal(call).catch((err: unknown) => this.#lostWrite(call, err));
      else store.apply(call);
    } catch (err) {
      this.#lostWrite(call, err);
    }
  }

  #lostWrite(call: StateCall, err: unknown): void {
    this.#log().error(
      `${call.kind} "${call.name}": a ${call.op} this worker did not wait for failed, and nothing was stored: ${toPlainError(err).message}`,
    );
  }

  /** Hand the worker the oldest item, now or when one comes; it stays held until `hold` lets it go. */
  #serveTake(id: number, queue: string, timeoutMs: number, hold: 'receipt' | 'ack'): void {
    // a delivery can happen inside take(), before its cancel function exists
    const wait = { cancel: (): void => undefined, settled: false };
    const receiver: QueueReceiver = {
      copies: true,
      alive: () => this.alive,
      deliver: (item, deliveries) => {
        if (!this.alive) return false;
        const sent =
          hold === 'receipt'
            ? this.#post([QUEUE_ITEM, id, item])
            : this.#post({ type: 'result', id, ok: true, value: { item, deliveries, receipt: id } satisfies Received, hold });
        if (!sent) {
          // the item is refused if it cannot be copied (the waiter goes on waiting); otherwise the channel is gone
          const refused = copyFailure(`queue "${queue}": put(item)`, item);
          if (refused) throw refused;
          return false;
        }
        wait.settled = true;
        this.#held.sent(id, { queue, item, deliveries }, hold === 'ack');
        this.#waits.delete(wait.cancel);
        return true;
      },
      timedOut: () => {
        wait.settled = true;
        this.#waits.delete(wait.cancel);
        this.#ok(id, undefined);
      },
    };
    wait.cancel = this.#services.store.take(queue, timeoutMs, receiver);
    if (!wait.settled) this.#waits.add(wait.cancel);
  }

  /** A queue's join (in-process or service-wide): false at once for a stopping worker, and when it is asked to stop or dies. */
  #serveJoin(id: number, queue: string, timeoutMs: number): void {
    if (this.#stopping) return this.#ok(id, false);
    const { store } = this.#services;
    let cancel: (() => void) | undefined;
    const onCancel = (end: () => void): void => void this.#waits.add((cancel = end));
    const joined = store.serviceWide(queue)
      ? store.remote(queue, 'queue').join(queue, timeoutMs, onCancel)
      : store.join(queue, timeoutMs, onCancel);
    joined.then(
      (done) => {
        if (cancel) this.#waits.delete(cancel);
        this.#ok(id, done);
      },
      (err: unknown) => {
        if (cancel) this.#waits.delete(cancel);
        this.#fail(id, err);
      },
    );
  }

  /** A call on a service-wide structure (in Redis): answered when Redis has answered. */
  #serveServiceWide(id: number, call: StateCall): void {
    const { store } = this.#services;
    if (call.kind === 'queue' && (call.op === 'get' || call.op === 'receive')) {
      const { name, op } = call;
      // a get's item too stays pending in Redis until the worker confirms it has it: back to the queue if it dies first
      const { result, cancel } = store.remote(name, 'queue').take(name, call.timeoutMs, 'receive');
      this.#waits.add(cancel);
      result.then(
        (taken) => {
          this.#waits.delete(cancel);
          if (taken === undefined) return this.#ok(id, undefined);
          let sent: boolean;
          if (op === 'get') {
            this.#gotRemote.set(id, [name, taken]);
            sent = this.alive && this.#post({ type: 'result', id, ok: true, value: taken.item, hold: 'receipt' });
          } else {
            // held for the consumer until it acknowledges; back to the queue if it dies first
            this.#heldRemote.set(taken.receipt, [name, taken]);
            const value: Received = { item: taken.item, deliveries: taken.deliveries, receipt: taken.receipt };
            sent = this.alive && this.#post({ type: 'result', id, ok: true, value, hold: 'ack' });
          }
          if (!sent) this.release();
        },
        (err: unknown) => {
          this.#waits.delete(cancel);
          this.#fail(id, err);
        },
      );
      return;
    }
    if (call.kind === 'queue' && (call.op === 'ack' || call.op === 'release')) this.#heldRemote.delete(String(call.receipt));
    store.execLocal(call).then(
      (value) => this.#ok(id, value),
      (err: unknown) => this.#fail(id, err),
    );
  }

  /** The consumer is done with the item it received as `receipt` (ack: it leaves for good), or gives it back (release: it is next again). */
  #settle(id: number, queue: string, op: 'ack' | 'release', receipt: number): void {
    const held = this.#held.take(receipt);
    if (!held) return this.#fail(id, notHeld(queue));
    if (op === 'ack') this.#services.store.done(queue);
    else this.#services.store.requeueFront(queue, held.item, held.deliveries);
    this.#ok(id, undefined);
  }

  #ok(id: number, value: unknown): void {
    this.#post({ type: 'result', id, ok: true, value });
  }

  #fail(id: number, err: unknown): void {
    this.#post({ type: 'result', id, ok: false, error: toPlainError(err) });
  }
}

/** NOT_CLONEABLE, with the reason structured clone gives, for an item that cannot be copied; undefined when it can. */
function copyFailure(what: string, item: unknown): DaebusError | undefined {
  try {
    structuredClone(item);
    return undefined;
  } catch (err) {
    return notCloneable(what, err, item);
  }
}
