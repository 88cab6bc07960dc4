// A bound on the requests one connection has under way. Node runs every request it parses at
// once, and a client that pipelines thousands of requests without reading an answer had them all
// run, their answers held in memory until the heap ran out (Node pauses reading only once answers
// already written back up, which an async handler has not done yet).
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** Requests of one connection run at once; the rest wait their turn, with the connection not read meanwhile. */
export const MAX_RUNNING_PER_CONNECTION = 16;
/** Requests of one connection parsed and waiting (one read can hold hundreds): past this, the client is cut off. */
export const MAX_WAITING_PER_CONNECTION = 1_024;

interface Lane {
  running: number;
  waiting: Array<() => void>;
}

/**
 * Let at most MAX_RUNNING_PER_CONNECTION requests of a connection run at once (answers go out in
 * order anyway); the others wait, and the connection is paused until few run. `cutOff` is told of a
 * connection that piled up more than MAX_WAITING_PER_CONNECTION, which is then closed.
 */
export function boundPipelining(app: FastifyInstance, cutOff: (socket: Socket) => void): void {
  const lanes = new WeakMap<Socket, Lane>();
  app.addHook('onRequest', (req, reply, done) => {
    const socket = req.raw.socket as Socket | null;
    if (!socket) return done();
    // parsed from the read that cut the client off: not run
    if (socket.destroyed) return;
    let lane = lanes.get(socket);
    if (lane === undefined) {
      lane = { running: 0, waiting: [] };
      lanes.set(socket, lane);
    }
    const owner = lane;
    let started = false;
    const start = (): void => {
      started = true;
      owner.running += 1;
      done();
    };
    // the answer is sent, or the connection is gone: the next request of the connection may run
    reply.raw.once('close', () => {
      if (!started) return;
      owner.running -= 1;
      const next = owner.waiting.shift();
      if (next) next();
      else if (owner.running <= MAX_RUNNING_PER_CONNECTION / 2 && socket.isPaused()) socket.resume();
    });
    if (owner.running < MAX_RUNNING_PER_CONNECTION && owner.waiting.length === 0) return start();
    socket.pause();
    if (owner.waiting.length >= MAX_WAITING_PER_CONNECTION) {
      owner.waiting.length = 0;
      cutOff(socket);
      socket.destroy();
      return;
    }
    owner.waiting.push(start);
  });
}
