import type { Redis } from 'ioredis';

/** The part of ioredis's connection this reaches past its typings: the commands sent and not answered yet. */
interface CommandQueue {
  commandQueue?: { length: number; shift(): { command?: { reject?(err: Error): void } } | undefined };
}

/**
 * Fail what `connection` sent and Redis had not answered when the connection closes. Told not to
 * send those again after a reconnect (`autoResendUnfulfilledCommands: false`, a caller's
 * publisher: a request must not go out late), ioredis drops them without settling their promises:
 * a caller's `sendMessage` in flight as Redis restarted waited for ever, and kept its process alive.
 */
export function failUnansweredOnClose(connection: Redis): void {
  connection.on('close', () => {
    const queue = (connection as unknown as CommandQueue).commandQueue;
    if (queue === undefined) return;
    const err = new Error('the connection closed before Redis answered; it may have been done');
    while (queue.length > 0) queue.shift()?.command?.reject?.(err);
  });
}
