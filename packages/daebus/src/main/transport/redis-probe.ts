import type { Redis } from 'ioredis';

/** How often each connection is asked a PING while it is ready. */
export const PROBE_MS = 1_000;
/** A PING unanswered this long means Redis does not answer: the transport counts as down. */
export const SILENT_MS = 2_000;

/**
 * Tells a Redis that stalls from one that answers. A connection that drops is seen by ioredis;
 * one that stays open while nothing comes back (a server stuck in a long command, a network path
 * that stops passing packets, a peer gone without a reset) looks ready for as long as it lasts,
 * however long that is. A PING every second on each connection (at most one outstanding) shows
 * it: the service's health then says the transport is not connected.
 */
export class RedisProbe {
  readonly #connections: readonly Redis[];
  /** When each connection's outstanding PING was sent. */
  readonly #sentAt = new Map<Redis, number>();
  #timer?: NodeJS.Timeout;

  constructor(connections: readonly Redis[]) {
    this.#connections = connections;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#probe(), PROBE_MS).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#sentAt.clear();
  }

  /** False while a connection has left its PING unanswered for SILENT_MS or more. */
  answering(now = performance.now()): boolean {
    for (const sentAt of this.#sentAt.values()) if (now - sentAt >= SILENT_MS) return false;
    return true;
  }

  #probe(): void {
    for (const connection of this.#connections) {
      if (connection.status !== 'ready' || this.#sentAt.has(connection)) continue;
      this.#sentAt.set(connection, performance.now());
      // a drop fails the PING: the connection's own state says what is wrong then
      const done = (): boolean => this.#sentAt.delete(connection);
      connection.ping().then(done, done);
    }
  }
}
