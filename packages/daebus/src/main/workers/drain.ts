import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/**
 * Read every message already queued on `port` now, in order, without waiting for the event
 * loop: a worker's last messages (its final log record, a streamed update) are handled before
 * the main side acts on its exit or its reply.
 */
export function drainPort<M>(port: MessagePort, handle: (message: M) => void): void {
  for (let left = receiveMessageOnPort(port); left !== undefined; left = receiveMessageOnPort(port)) handle(left.message as M);
}
