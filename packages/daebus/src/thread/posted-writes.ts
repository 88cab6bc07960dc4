import { emptyInPlace } from '../shared/arrays';
import type { StateCall } from '../shared/state-ops';

/**
 * How many writes may be on their way to the main side, unanswered, before the next one waits
 * for its answer: a thread awaiting its writes in a loop waits a round trip now and then, so it
 * keeps pace with the main thread and its own event loop turns. (One that does not await them is
 * held back by its port instead: see pacedPort.)
 */
export const POSTED_WINDOW = 64;

/**
 * Which writes of a worker may go without an answer. A queue's `put` and a map's `set` cannot
 * fail on the main side once it has said that the name is one of its own in-process structures
 * of that kind (names never change kind or scope): from then on such a write resolves once it is
 * posted. The main side applies a worker's messages in the order they were posted, so every
 * later call of the worker, its log records and its exit come after the write.
 */
export class PostedWrites {
  /** Names of the queues and maps the main side said take posted writes. */
  readonly #postable = { queue: new Set<string>(), map: new Set<string>() };
  /** Answered writes that may confirm their structure: call id -> where its name goes. */
  readonly #confirming = new Map<number, [Set<string>, string]>();
  /** Ids of writes posted without an answer, oldest first; those before `#head` are known to be applied. */
  readonly #inFlight: number[] = [];
  #head = 0;

  /** True when `call` may be posted now without waiting for its answer. */
  mayPost(call: StateCall): boolean {
    const names = this.#namesOf(call);
    return names !== undefined && names.has(call.name) && this.#inFlight.length - this.#head < POSTED_WINDOW;
  }

  posted(id: number): void {
    this.#inFlight.push(id);
  }

  /** `call` goes with an answer: note whether its answer can open its structure to posted writes. */
  answered(id: number, call: StateCall): void {
    const names = this.#namesOf(call);
    if (names !== undefined && !names.has(call.name)) this.#confirming.set(id, [names, call.name]);
  }

  /** The answer to call `id` arrived: the main side has handled every message posted before it. */
  settled(id: number, postable: boolean | undefined): void {
    const inFlight = this.#inFlight;
    while (this.#head < inFlight.length && (inFlight[this.#head] as number) < id) this.#head++;
    // emptied in place, not copied on each answer; compacted if it never empties
    if (this.#head === inFlight.length) {
      emptyInPlace(inFlight);
      this.#head = 0;
    } else if (this.#head > POSTED_WINDOW) {
      inFlight.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#confirming.size === 0) return;
    const confirming = this.#confirming.get(id);
    if (confirming === undefined) return;
    this.#confirming.delete(id);
    if (postable === true) confirming[0].add(confirming[1]);
  }

  /** The names whose writes like `call` may be posted, for a write that can be; undefined for any other call. */
  #namesOf(call: StateCall): Set<string> | undefined {
    if (call.kind === 'queue') return call.op === 'put' ? this.#postable.queue : undefined;
    if (call.kind === 'map') return call.op === 'set' ? this.#postable.map : undefined;
    return undefined;
  }
}
