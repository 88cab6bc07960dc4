import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../support/logger';
import { monotonicMs } from '../../shared/clock';

/** What a stalled connection was seen holding, and since when it has not changed. */
interface Seen {
  pending: number;
  since: number;
}

/**
 * The connections of a server on which an answer waits to be sent and the client reads none of it
 * (Node holds what the system would not take, for good: a client that asks for a large answer and
 * never reads it kept it in memory with its connection). One whose waiting bytes have not changed
 * for `sendTimeoutMs` is closed. A slow client that reads is not stalled: what the system takes
 * of a large write shows as progress. Upgraded connections (WebSocket) are the hub's, not this.
 */
export class StalledAnswers {
  readonly #sockets = new Set<Socket>();
  readonly #seen = new Map<Socket, Seen>();
  readonly #sendTimeoutMs: number;
  readonly #logger: Logger;
  #timer?: NodeJS.Timeout;

  constructor(server: Server, sendTimeoutMs: number, logger: Logger, upgrades: boolean) {
    this.#sendTimeoutMs = sendTimeoutMs;
    this.#logger = logger;
    if (sendTimeoutMs === 0) return;
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#forget(socket));
    });
    // only where the WebSocket endpoint is (see UnusedConnections)
    if (upgrades) server.prependListener('upgrade', (_req: unknown, socket: Socket) => this.#forget(socket));
    // a tenth of the timeout, within 50 ms to 1 s: a stall is closed up to that late
    const every = Math.min(1_000, Math.max(50, Math.round(sendTimeoutMs / 10)));
    this.#timer = setInterval(() => this.sweep(monotonicMs()), every).unref();
  }

  sweep(now: number): void {
    let closed = 0;
    for (const socket of this.#sockets) {
      const pending = pendingBytes(socket);
      const seen = this.#seen.get(socket);
      if (pending === 0) {
        if (seen) this.#seen.delete(socket);
      } else if (seen === undefined || seen.pending !== pending) {
        this.#seen.set(socket, { pending, since: now });
      } else if (now - seen.since >= this.#sendTimeoutMs) {
        this.#forget(socket);
        // a reset, not a close: the system drops what it held for the client too (a close would
        // still try to send it), and the client hears at once that the answer is not coming
        socket.resetAndDestroy();
        closed += 1;
      }
    }
    if (closed === 0) return;
    const ms = this.#sendTimeoutMs;
    this.#logger.info(`Closed ${closed} HTTP connection(s) whose client read none of its answer for ${ms} ms (http.sendTimeoutMs)`);
  }

  /** The server closed: no more sweeps. */
  stop(): void {
    clearInterval(this.#timer);
    this.#sockets.clear();
    this.#seen.clear();
  }

  #forget(socket: Socket): void {
    this.#sockets.delete(socket);
    this.#seen.delete(socket);
  }
}

/**
 * Bytes Node holds for `socket`: its stream's queue, and what of the write under way the system
 * has not taken yet (libuv's queue: it shrinks as the client reads a large write, where the
 * stream's length changes only once the whole write is done).
 */
function pendingBytes(socket: Socket): number {
  const handle = (socket as { _handle?: { writeQueueSize?: unknown } | null })._handle;
  const queued = typeof handle?.writeQueueSize === 'number' ? handle.writeQueueSize : 0;
  return socket.writableLength + queued;
}
