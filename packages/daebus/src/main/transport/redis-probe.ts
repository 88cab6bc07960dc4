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
  /** Each connection's outstanding PING. */
  readonly #pings = new Map<Redis, Ping>();
  #timer?: NodeJS.Timeout;
  /** Since when Redis has been silent, as last reported to the listeners (undefined: answering). */
  #silentSince?: number;
  readonly #listeners = new Set<(silentForMs: number | undefined, forMs: number) => void>();

  constructor(connections: readonly Redis[]) {
    this.#connections = connections;
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#probe(), PROBE_MS).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const ping of this.#pings.values()) clearTimeout(ping.deadline);
    this.#pings.clear();
    this.#silentSince = undefined;
  }

  /**
   * `listener(silentForMs)` when Redis stops answering (`answering()` turns false), and
   * `listener(undefined, forMs)` when it answers again after `forMs` of silence. A connection that
   * drops instead ends the silence without a word: its drop is reported on its own.
   */
  onSilence(listener: (silentForMs: number | undefined, forMs: number) => void): void {
    this.#listeners.add(listener);
  }

  /** False while a connection has left its PING unanswered for SILENT_MS or more. */
  answering(): boolean {
    for (const ping of this.#pings.values()) if (ping.overdue) return false;
    return true;
  }

  #probe(): void {
    for (const connection of this.#connections) {
      if (connection.status !== 'ready' || this.#pings.has(connection)) continue;
      const ping: Ping = { sentAt: performance.now(), overdue: false };
      this.#pings.set(connection, ping);
      // Judged overdue only after the poll phase that follows the deadline (setImmediate): when this
      // process itself was held (a long synchronous handler), the answer waits in the socket, and
      // the timers run first, before it is read. Without that, a held process blamed Redis.
      ping.deadline = setTimeout(() => {
        setImmediate(() => {
          if (this.#pings.get(connection) !== ping) return;
          // dropped meanwhile: ioredis keeps the PING to send again once back, the drop is reported on its own
          if (connection.status !== 'ready') return void this.#pings.delete(connection);
          ping.overdue = true;
          this.#check(true);
        });
      }, SILENT_MS).unref();
      // a drop fails the PING: the connection's own state says what is wrong then
      const settle = (answered: boolean): void => {
        clearTimeout(ping.deadline);
        if (this.#pings.get(connection) === ping) this.#pings.delete(connection);
        this.#check(answered);
      };
      connection.ping().then(
        () => settle(true),
        () => settle(false),
      );
    }
  }

  /** Tell the listeners when Redis fell silent or answers again (`answered`: a PING came back, not failed). */
  #check(answered: boolean): void {
    const now = performance.now();
    if (this.#silentSince === undefined) {
      if (this.answering()) return;
      this.#silentSince = Math.min(...[...this.#pings.values()].filter((ping) => ping.overdue).map((ping) => ping.sentAt));
      for (const listener of this.#listeners) listener(now - this.#silentSince, 0);
    } else if (this.answering()) {
      const forMs = now - this.#silentSince;
      this.#silentSince = undefined;
      if (answered) for (const listener of this.#listeners) listener(undefined, forMs);
    }
  }
}

/** A PING sent and not answered yet. */
interface Ping {
  readonly sentAt: number;
  /** Unanswered past SILENT_MS, judged after this process had read its sockets. */
  overdue: boolean;
  deadline?: NodeJS.Timeout;
}
