import { depthRefusal, MAX_NESTING, notCloneable } from '../shared/cloneable';
import { notAnObject } from '../shared/broadcast-payload';
import { fromPlainError } from '../shared/errors';
import { PendingCalls } from '../shared/pending';
import {
  POSTED_PUT,
  POSTED_SET,
  QUEUE_GET,
  isQueueItem,
  type CoreToMain,
  type MainToWorker,
  type MessageSink,
  type PostedPut,
  type PostedSet,
} from '../shared/protocol/core';
import type { SocketCall } from '../shared/socket-ops';
import { carriedValue, writeName, type StateCall } from '../shared/state-ops';
import { isPlainObject } from '../shared/validate';
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
  readonly #refusal: (() => Error | undefined) | undefined;
  #nextId = 1;

  /**
   * `confirmReceipt` tells the main side that a queue item from `get` arrived; by default an
   * `ack` message, a thread counts it in its shared flags instead (no message to send or serve).
   * `refusal` gives the error a call made now is refused with (a pooled call that has ended, whose
   * calls the main side would drop unanswered), or undefined while calls may go.
   */
  constructor(port: MessageSink<CoreToMain>, confirmReceipt?: (id: number) => void, refusal?: () => Error | undefined) {
    this.#port = port;
    this.#confirmReceipt = confirmReceipt ?? ((id) => port.postMessage({ type: 'ack', id }));
    this.#refusal = refusal;
  }

  stateCall(call: StateCall): Promise<unknown> {
    const refused = this.#refusal?.();
    if (refused !== undefined) return Promise.reject(refused);
    const value = carriedValue(call);
    const refusal = value === undefined ? undefined : depthRefusal(writeName, call, value);
    if (refusal !== undefined) return Promise.reject(refusal);
    const id = this.#nextId++;
    const writes = (this.#writes ??= new PostedWrites());
    if (writes.mayPost(call)) {
      try {
        this.#port.postMessage(postedWrite(call));
      } catch (err) {
        return Promise.reject(notCloneable(writeName(call), err, value ?? call));
      }
      writes.posted(id);
      return POSTED;
    }
    writes.answered(id, call);
    if (call.kind === 'queue' && call.op === 'get') return this.#call([QUEUE_GET, id, call.name, call.timeoutMs], id, call);
    return this.#call({ type: 'state', id, call }, id, call);
  }

  broadcast(channel: string, payload: unknown): Promise<number> {
    const refused = this.#refusal?.();
    if (refused !== undefined) return Promise.reject(refused);
    // refused here, before it crosses to the main side (which checks it again)
    if (!isPlainObject(payload)) return Promise.reject(notAnObject(`broadcast on "${channel}"`, payload));
    const refusal = depthRefusal(broadcastName, channel, payload);
    if (refusal !== undefined) return Promise.reject(refusal);
    const id = this.#nextId++;
    return this.#call({ type: 'broadcast', id, channel, payload }, id, `broadcast on "${channel}"`) as Promise<number>;
  }

  socketCall(call: SocketCall): Promise<unknown> {
    const refused = this.#refusal?.();
    if (refused !== undefined) return Promise.reject(refused);
    // the call wraps the data one level deep
    const refusal = depthRefusal(socketCallName, call, call, MAX_NESTING + 1);
    if (refusal !== undefined) return Promise.reject(refusal);
    const id = this.#nextId++;
    return this.#call({ type: 'socket', id, call }, id, `websocket ${call.op}`);
  }

  /** A call's result, or an item of `get`, from the main side. */
  receive(message: MainToWorker): void {
    if (isQueueItem(message)) {
      // confirmed first: until then the main side keeps it, in case this worker dies
      const id = message[1];
      this.#confirmReceipt(id);
      this.#writes?.settled(id, undefined);
      this.#pending.resolve(id, message[2]);
      return;
    }
    this.#writes?.settled(message.id, message.postable);
    // an item of a service-wide get: confirmed first, as above (a message: it is not counted in order with the others)
    if (message.hold === 'receipt') this.#port.postMessage({ type: 'ack', id: message.id });
    if (message.ok) this.#pending.resolve(message.id, message.value);
    else this.#pending.reject(message.id, fromPlainError(message.error));
  }

  /** `what`: the state call sent, or what else was (named in the error only: nothing is built per call). */
  #call(message: CoreToMain, id: number, what: StateCall | string): Promise<unknown> {
    try {
      this.#port.postMessage(message);
    } catch (err) {
      return Promise.reject(
        typeof what === 'string' ? notCloneable(what, err, message) : notCloneable(writeName(what), err, carriedValue(what) ?? what),
      );
    }
    return restacked(this.#pending.wait(id, undefined));
  }
}

/**
 * The answer, awaited in an async function so that an error the main side sent back (its stack
 * the main side's internals) gets this thread's: V8 lists the async functions awaiting this one,
 * the user's lines, when the stack is captured here. One more microtask turn per answered call.
 */
async function restacked(answer: Promise<unknown>): Promise<unknown> {
  try {
    return await answer;
  } catch (err) {
    if (err instanceof Error) Error.captureStackTrace(err, restacked);
    throw err;
  }
}

/** The message of a write that `mayPost` let go unanswered: a queue's put, or else a map's set. */
function postedWrite(call: StateCall): PostedPut | PostedSet {
  if (call.kind === 'queue' && call.op === 'put') return [POSTED_PUT, call.name, call.item];
  const { name, key, value } = call as StateCall & { key: string; value: unknown };
  return [POSTED_SET, name, key, value];
}

const broadcastName = (channel: string): string => `broadcast on "${channel}"`;
const socketCallName = (call: SocketCall): string => `websocket ${call.op}`;
