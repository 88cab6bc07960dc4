import type { Redis } from 'ioredis';
import { listReplicas } from './presence';

/** How long what was read of the other replicas' actions is used before it is read again. */
const FRESH_MS = 250;

/**
 * Which actions the other live replicas of the service have, read from their presence (each
 * heartbeat writes its replica's action names). Read only when asked, for a request of an action
 * this replica does not have: while old and new code run side by side (a rolling deploy that adds
 * an action), such a request goes back to the stream for a replica that has it, instead of being
 * answered UNKNOWN_ACTION.
 */
export class ActionRoster {
  readonly #client: Redis;
  readonly #service: string;
  readonly #id: string;
  /** The actions of the other live replicas, as read last. */
  #others = new Set<string>();
  #readAt = -Infinity;
  #reading?: Promise<void>;

  constructor(client: Redis, service: string, id: string) {
    this.#client = client;
    this.#service = service;
    this.#id = id;
  }

  /** Whether another live replica has `action` (false when Redis cannot say). */
  async othersHave(action: string): Promise<boolean> {
    if (performance.now() - this.#readAt >= FRESH_MS) {
      this.#reading ??= this.#read().finally(() => (this.#reading = undefined));
      await this.#reading.catch(() => undefined);
    }
    return this.#others.has(action);
  }

  async #read(): Promise<void> {
    const others = new Set<string>();
    for (const replica of await listReplicas(this.#client, this.#service)) {
      // a replica of a version that does not list its actions counts for none
      if (replica.id !== this.#id) for (const action of replica.actions ?? []) others.add(action);
    }
    this.#others = others;
    this.#readAt = performance.now();
  }
}
