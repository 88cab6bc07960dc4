import type { Redis } from 'ioredis';
import { toPlainError } from '../../shared/errors';

/**
 * The consumer group (or its whole stream) is not in Redis: NOGROUP from a group command, "no
 * such key" from XINFO, UNBLOCKED for a read that was waiting when the stream was deleted. Redis
 * that restarted without its data (no persistence, a failover) has lost every group; a write
 * since then made the stream again (XADD creates it) but not its group.
 */
export function groupGone(err: unknown): boolean {
  return /^(NOGROUP|ERR no such key|UNBLOCKED)/.test(toPlainError(err).message);
}

/**
 * Create `group` on `stream` (and the stream, MKSTREAM) unless it exists. At 0, not $: the group
 * delivers every entry the stream holds. After Redis restarted empty, those are exactly the
 * entries added since (by any process), which $ would skip for good. Nothing delivered stays in
 * our streams once done (it is deleted), so 0 can only deliver again an entry that was held when
 * the old group vanished: at least once, as a dead consumer's would be.
 */
export async function createGroup(client: Redis, stream: string, group: string): Promise<void> {
  await client.xgroup('CREATE', stream, group, '0', 'MKSTREAM').catch((err: unknown) => {
    // another replica (or another call here) made it first
    if (!/BUSYGROUP/.test(toPlainError(err).message)) throw err;
  });
}

/** Remove `consumer` from `group` unless it still holds pending entries: atomic, so none is lost. */
const LEAVE_GROUP = `if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return -1 end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])`;

/**
 * A process that stops leaves the group of `stream`, so that the group does not list a consumer
 * per start for ever (XINFO CONSUMERS); one that still holds entries stays, for another process
 * to claim them from. Best effort: a group or stream that is gone is no matter.
 */
export async function leaveGroup(client: Redis, stream: string, group: string, consumer: string): Promise<void> {
  await client.eval(LEAVE_GROUP, 1, stream, group, consumer).catch(() => undefined);
}
