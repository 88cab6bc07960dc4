import type { Redis } from 'ioredis';
import { serviceKeys, type ServiceKeys } from './keys';

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
  readonly #keys: ServiceKeys;
  readonly #id: string;
  /** The actions of the other live replicas, as read last. */
  #others = new Set<string>();
  #readAt = -Infinity;
  #reading?: Promise<void>;

  constructor(client: Redis, service: string, id: string) {
    this.#client = client;
    this.#keys = serviceKeys(service);
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
    const ids = (await this.#client.zrange(this.#keys.replicas, 0, -1)).filter((id) => id !== this.#id);
    const pipeline = this.#client.pipeline();
    for (const id of ids) pipeline.hmget(this.#keys.replica(id), 'id', 'actions');
    const others = new Set<string>();
    for (const [err, fields] of ids.length > 0 ? ((await pipeline.exec()) ?? []) : []) {
      const [id, actions] = (fields ?? []) as (string | null)[];
      // expired (that replica is gone), or a replica of a version that does not list its actions
      if (err || !id || !actions) continue;
      for (const action of parseNames(actions)) others.add(action);
    }
    this.#others = others;
    this.#readAt = performance.now();
  }
}

function parseNames(text: string): string[] {
  try {
    const names: unknown = JSON.parse(text);
    return Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string') : [];
  } catch {
    return [];
  }
}
