import type { Socket } from 'node:net';

/** What is told when the connection of a request closes before its answer. */
export interface Leaving {
  leave(): void;
}

/**
 * The requests under way on each connection that must hear when it closes (pooled routes: a job
 * whose client went away before a worker took it is dropped). One 'close' listener per connection,
 * not one per request: a client may pipeline many requests on one, and a socket warns past ten
 * listeners. The request's own 'close' events do not serve: Node ends a request that was read
 * whole without one, and emits none for answers queued behind another on the connection.
 */
export class ClientWatch {
  readonly #watched = new WeakMap<Socket, Set<Leaving>>();

  /** Tell `request` if `socket` closes before `forget(socket, request)`; at once if it is closed already. */
  watch(socket: Socket, request: Leaving): void {
    if (socket.destroyed) return request.leave();
    let requests = this.#watched.get(socket);
    if (requests === undefined) {
      const made = new Set<Leaving>();
      requests = made;
      this.#watched.set(socket, made);
      socket.once('close', () => {
        this.#watched.delete(socket);
        for (const each of made) each.leave();
      });
    }
    requests.add(request);
  }

  /** `request` was answered (or let go): its connection's close is nothing to it now. */
  forget(socket: Socket, request: Leaving): void {
    this.#watched.get(socket)?.delete(request);
  }
}
