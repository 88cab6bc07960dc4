import { notCloneable } from '../shared/cloneable';
import { fromPlainError } from '../shared/errors';
import { PendingCalls } from '../shared/pending';
import type { CoreToMain, MainToWorker, MessageSink } from '../shared/protocol/core';
import type { SocketCall } from '../shared/socket-ops';
import type { StateCall } from '../shared/state-ops';
import { PostedWrites } from './posted-writes';

const POSTED: Promise<undefined> = Promise.resolve(undefined);

/**
 * A worker's calls to the main side (shared state, broadcasts, WebSocket clients), with their results matched by
 * id. Used by a thread's `t` and a pooled handler's `ctx` alike.
 */
export class MainLink {
  readonly #port: MessageSink<CoreToMain>;
  readonly #pending = new PendingCalls<number>();
  /** Made on the first state call: a pooled call that uses no shared state makes none. */
  #writes: PostedWrites | undefined;
  readonly #confirmReceipt: (id: number) => void;
  #nextId = 1;

  /**
   * `confirmReceipt` tells the main side that a queue item from `get` arrived; by default an
   * `ack` message, a thread counts it in its shared flags instead (no message to send or serve).
   */
  constructor(port: MessageSink<CoreToMain>, confirmReceipt?: (id: number) => void) {
    this.#port = port;
    this.#confirmReceipt = confirmReceipt ?? ((id) => port.postMessage({ type: 'ack', id }));
  }

  stateCall(call: StateCall): Promise<unknown> {
    const id = this.#nextId++;
    const writes = (this.#writes ??= new PostedWrites());
    if (writes.mayPost(call)) {
      try {
        this.#port.postMessage({ type: 'state', id, call, posted: true });
      } catch (err) {
        return Promise.reject(notCloneable(`${call.kind} "${call.name}"`, err, call));
      }
      writes.posted(id);
      return POSTED;
    }
    writes.answered(id, call);
    return this.#call({ type: 'state', id, call }, `${call.kind} "${call.name}"`);
  }

  broadcast(channel: string, payload: unknown): Promise<number> {
    const id = this.#nextId++;
    return this.#call({ type: 'broadcast', id, channel, payload }, `broadcast on "${channel}"`) as Promise<number>;
  }

  socketCall(call: SocketCall): Promise<unknown> {
    const id = this.#nextId++;
    return this.#call({ type: 'socket', id, call }, `websocket ${call.op}`);
  }

  /** A call's result from the main side. */
  receive(message: MainToWorker): void {
    // Confirm a queue item from get() first: until then the main side keeps it, in case this worker dies.
    if (message.hold === 'receipt') this.#confirmReceipt(message.id);
    this.#writes?.settled(message.id, message.postable);
    if (message.ok) this.#pending.resolve(message.id, message.value);
    else this.#pending.reject(message.id, fromPlainError(message.error));
  }

  #call(message: CoreToMain & { id: number }, what: string): Promise<unknown> {
    try {
      this.#port.postMessage(message);
    } catch (err) {
      return Promise.reject(notCloneable(what, err, message));
    }
    return this.#pending.wait(message.id, undefined);
  }
}
