/**
 * Whether a replica reads its request stream: a replica whose reads all fail serves none of its
 * durable requests while its transport is up, so its health says so (not ready). A failing
 * streak is logged once, when it starts, and once more when a read succeeds again.
 */
export class ReadHealth {
  #failure?: string;
  /** The reader connection's state (ioredis's `status`): while it is down, a read waits for it instead of failing. */
  readonly #connection: (() => string) | undefined;

  constructor(connection?: () => string) {
    this.#connection = connection;
  }

  /** Why the last read failed, or why none can be made now (the reader's connection is down); undefined otherwise. */
  get failure(): string | undefined {
    if (this.#failure !== undefined) return this.#failure;
    const status = this.#connection?.();
    return status === undefined || status === 'ready' ? undefined : `the stream reader's connection to Redis is down (${status})`;
  }

  /**
   * A read failed with `message`: true when this starts a failing streak, to be logged. Not while
   * the reader's connection is down: the outage was said already (ioredis then fails a waiting
   * read with its own words, "Reached the max retries per request limit"), and `failure` says it.
   */
  failed(message: string): boolean {
    const status = this.#connection?.();
    if (status !== undefined && status !== 'ready') return false;
    const starts = this.#failure === undefined;
    this.#failure = message;
    return starts;
  }

  /** A read succeeded: true when it ends a failing streak. */
  succeeded(): boolean {
    const ended = this.#failure !== undefined;
    this.#failure = undefined;
    return ended;
  }
}

// By replica id: the ops view knows this process's replica id, not its parts.
const running = new Map<string, ReadHealth>();

export function trackReads(id: string, health: ReadHealth): void {
  running.set(id, health);
}

export function untrackReads(id: string): void {
  running.delete(id);
}

/** The reads of replica `id` as the health report shows them; undefined when `id` names no running replica. */
export function requestReads(id: string | undefined): { reading: boolean; error?: string } | undefined {
  const health = id === undefined ? undefined : running.get(id);
  if (!health) return undefined;
  const error = health.failure;
  return error === undefined ? { reading: true } : { reading: false, error };
}
