import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/**
 * Read every message already queued on `port` now, in order, without waiting for the event
 * loop: a worker's last messages (its final log record, a streamed update) are handled before
 * the main side acts on its exit or its reply. A message the main thread cannot read throws
 * where the port's event would say 'messageerror'; it is gone from the queue, so `unreadable` is
 * told and the rest are read.
 */
export function drainPort<M>(port: MessagePort, handle: (message: M) => void, unreadable: (err: unknown) => void): void {
  // bounded, should a throw ever leave its message queued (Node removes it first today)
  for (let failures = 0; failures < 1_000;) {
    let left: { message: unknown } | undefined;
    try {
      left = receiveMessageOnPort(port);
    } catch (err) {
      unreadable(err);
      failures++;
      continue;
    }
    if (left === undefined) return;
    handle(left.message as M);
  }
}
